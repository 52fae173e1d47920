import type { NodeSelectorTerm, PersistentVolumeSpec } from "kubernetes-types/core/v1.js";
import { matchesNodeSelectorTerms } from "../api/node-affinity.js";
import type { KubeObject } from "../api/types.js";

type Json = Record<string, unknown>;

export interface VolumeLookups {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  storageClass(name: string): KubeObject | undefined;
}

export interface VolumeVerdict {
  /** Why no node can take the pod now (a claim missing, being deleted, or unbound with Immediate binding). */
  unschedulable?: string;
  /** The nodes its bound volumes allow (their PersistentVolumes' node affinity). */
  fits?: (node: KubeObject) => boolean;
  /** Unbound WaitForFirstConsumer claims: bound on the node the pod is scheduled to, before it is bound. */
  bindLater: KubeObject[];
}

export const VOLUME_NODE_CONFLICT = "node(s) had volume node affinity conflict";

/** Upstream's VolumeBinding plugin, for the pod's persistentVolumeClaim volumes. */
export function podVolumes(pod: KubeObject, look: VolumeLookups): VolumeVerdict {
  const namespace = pod.metadata.namespace ?? "default";
  const volumes = (((pod.spec ?? {}) as Json).volumes ?? []) as Array<{ persistentVolumeClaim?: { claimName: string } }>;
  const terms: NodeSelectorTerm[][] = [];
  const bindLater: KubeObject[] = [];
  for (const v of volumes) {
    const claimName = v.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    const claim = look.claim(namespace, claimName);
    if (!claim) return { unschedulable: `persistentvolumeclaim "${claimName}" not found`, bindLater };
    if (claim.metadata.deletionTimestamp) return { unschedulable: `persistentvolumeclaim "${claimName}" is being deleted`, bindLater };
    const spec = (claim.spec ?? {}) as Json;
    const volumeName = spec.volumeName as string | undefined;
    if (volumeName) {
      const pv = look.volume(volumeName);
      if (!pv) return { unschedulable: `persistentvolume "${volumeName}" not found`, bindLater };
      const required = (pv.spec as PersistentVolumeSpec | undefined)?.nodeAffinity?.required?.nodeSelectorTerms;
      if (required?.length) terms.push(required);
      continue;
    }
    const cls = look.storageClass(String(spec.storageClassName ?? ""));
    if ((cls as Json | undefined)?.volumeBindingMode === "WaitForFirstConsumer") bindLater.push(claim);
    else return { unschedulable: "pod has unbound immediate PersistentVolumeClaims", bindLater };
  }
  const fits = terms.length ? (node: KubeObject) => terms.every((t) => matchesNodeSelectorTerms(t, node)) : undefined;
  return { fits, bindLater };
}
