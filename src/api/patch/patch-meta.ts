/**
 * Where strategic merge patch needs to know a list's merge key. Upstream reads this from the Go struct tags
 * (`patchMergeKey`, `patchStrategy`); we key it by the field's path (field names, no indices).
 */
export interface ListMeta {
  /** Elements are matched by this field; absent means the list is replaced whole. */
  mergeKey?: string;
  /** A list of scalars whose values are unioned (metadata.finalizers). */
  mergePrimitives?: boolean;
}

const byFieldName: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  imagePullSecrets: "name",
  resourceClaims: "name",
  hostAliases: "ip",
  ownerReferences: "uid",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  taints: "key",
  topologySpreadConstraints: "topologyKey",
  conditions: "type",
  schedulingGates: "name",
  podIPs: "ip",
  hostIPs: "ip",
};

export function listMeta(path: readonly string[]): ListMeta {
  const field = path[path.length - 1] ?? "";
  const parent = path[path.length - 2] ?? "";
  if (field === "finalizers") return { mergePrimitives: true };
  if (field === "ports") {
    if (parent === "containers" || parent === "initContainers" || parent === "ephemeralContainers") return { mergeKey: "containerPort" };
    if (path.length === 2 && parent === "spec") return { mergeKey: "port" };
    return {};
  }
  if (field === "addresses") return path[0] === "status" ? { mergeKey: "type" } : {};
  const mergeKey = byFieldName[field];
  return mergeKey ? { mergeKey } : {};
}
