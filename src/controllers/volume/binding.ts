import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import { LOCAL_PROVISIONER } from "../../api/storage.js";
import { Quantity } from "../../api/quantity.js";

/** Whether a volume is reserved for this claim by its claimRef (by uid, or by name before the uid is known). */
export function reservedFor(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  return ref.namespace === pvc.metadata?.namespace && ref.name === pvc.metadata?.name && (!ref.uid || ref.uid === pvc.metadata?.uid);
}

/**
 * Upstream's findBestMatchForClaim for static volumes: an unreserved, Available volume of the claim's
 * class whose access modes include the claim's and whose capacity covers the request, the smallest first.
 */
export function matchVolume(pvc: PersistentVolumeClaim, volumes: PersistentVolume[]): PersistentVolume | undefined {
  const want = Quantity.parse(String(pvc.spec?.resources?.requests?.storage ?? "0"));
  const modes = pvc.spec?.accessModes ?? [];
  const cls = pvc.spec?.storageClassName ?? "";
  const size = (pv: PersistentVolume) => Quantity.parse(String(pv.spec?.capacity?.storage ?? "0"));
  return volumes
    .filter((pv) => !pv.spec?.claimRef && !pv.metadata?.deletionTimestamp && (pv.status?.phase ?? "Available") === "Available")
    .filter((pv) => (pv.spec?.storageClassName ?? "") === cls && modes.every((m) => (pv.spec?.accessModes ?? []).includes(m)) && size(pv).cmp(want) >= 0)
    .sort((a, b) => size(a).cmp(size(b)))[0];
}

/**
 * The volume the local provisioner makes for a claim: a directory `pvc-<uid>_<namespace>_<name>` under the
 * node's volume directory, created on first mount, pinned to that node, reserved for the claim.
 */
export function provisionedVolume(pvc: PersistentVolumeClaim, node: { name: string; volumeDir: string }, reclaimPolicy: string): PersistentVolume {
  const m = pvc.metadata!;
  const name = `pvc-${m.uid}`;
  return {
    apiVersion: "v1", kind: "PersistentVolume",
    metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": LOCAL_PROVISIONER } },
    spec: {
      capacity: { storage: String(pvc.spec?.resources?.requests?.storage ?? "1Gi") },
      accessModes: pvc.spec?.accessModes ?? ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: reclaimPolicy,
      storageClassName: pvc.spec?.storageClassName,
      volumeMode: pvc.spec?.volumeMode ?? "Filesystem",
      hostPath: { path: `${node.volumeDir}/${name}_${m.namespace}_${m.name}`, type: "DirectoryOrCreate" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node.name] }] }] } },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: m.namespace, name: m.name, uid: m.uid },
    },
  };
}
