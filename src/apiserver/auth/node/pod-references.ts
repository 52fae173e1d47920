import type { Container, EphemeralContainer, Pod } from "kubernetes-types/core/v1.js";

/** The resources a pod's node may read because the pod uses them (upstream's node authorizer graph). */
export type GraphResource = "secrets" | "configmaps" | "persistentvolumeclaims" | "serviceaccounts";

export interface PodReference {
  resource: GraphResource;
  name: string;
}

/**
 * What a pod uses by name, in its own namespace: Secrets and ConfigMaps of its volumes (projected
 * sources included), env and envFrom of every container (init and ephemeral too) and its
 * imagePullSecrets; its claims (generic ephemeral volumes as `<pod>-<volume>`); its ServiceAccount.
 */
export function podReferences(pod: Pod): PodReference[] {
  const refs: PodReference[] = [];
  const add = (resource: GraphResource, name: string | undefined) => void (name && refs.push({ resource, name }));
  const spec = pod.spec;
  add("serviceaccounts", spec?.serviceAccountName || "default");
  for (const s of spec?.imagePullSecrets ?? []) add("secrets", s.name);
  for (const v of spec?.volumes ?? []) {
    add("secrets", v.secret?.secretName);
    add("configmaps", v.configMap?.name);
    add("persistentvolumeclaims", v.persistentVolumeClaim?.claimName);
    if (v.ephemeral) add("persistentvolumeclaims", `${pod.metadata?.name ?? ""}-${v.name}`);
    add("secrets", v.csi?.nodePublishSecretRef?.name);
    add("secrets", v.cephfs?.secretRef?.name);
    add("secrets", v.flexVolume?.secretRef?.name);
    add("secrets", v.rbd?.secretRef?.name);
    add("secrets", v.iscsi?.secretRef?.name);
    add("secrets", v.scaleIO?.secretRef?.name);
    add("secrets", v.storageos?.secretRef?.name);
    add("secrets", v.azureFile?.secretName);
    for (const p of v.projected?.sources ?? []) {
      add("secrets", p.secret?.name);
      add("configmaps", p.configMap?.name);
    }
  }
  const containers: Array<Container | EphemeralContainer> = [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      add("secrets", e.valueFrom?.secretKeyRef?.name);
      add("configmaps", e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add("secrets", e.secretRef?.name);
      add("configmaps", e.configMapRef?.name);
    }
  }
  return refs;
}
