/**
 * The one description of how the fields of the 1.32 built-in types merge, read by strategic merge patch and
 * by server-side apply alike (through the OpenAPI schemas the build writes from it, as upstream's both read
 * its Go types' markers): a list's `x-kubernetes-list-type` (atomic, set, or map keyed by
 * `x-kubernetes-list-map-keys`), its strategic-merge `patchStrategy`/`patchMergeKey`, and the structs and
 * maps that are atomic (`+structType=atomic`, `+mapType=atomic`). Keys are `GoType.jsonField`.
 *
 * A list the table doesn't name is atomic for apply and replaced whole by a strategic merge patch, which is
 * what upstream's types say of every list they don't mark. Checked against kubernetes/kubernetes 1.32's
 * api/openapi-spec (the markers of staging/src/k8s.io/api/{core,apps,batch,…}/v1/types.go).
 */
export interface ListSemantics {
  listType: "atomic" | "set" | "map";
  /** The fields that identify an element of a `map` list, in upstream's order. */
  keys?: string[];
  /** Strategic merge patch: `merge` (or `merge,retainKeys`); absent: the list is replaced. */
  patchStrategy?: string;
  /** Strategic merge patch: the field elements are matched by (one field, even where apply's keys are two). */
  patchMergeKey?: string;
}

const map = (keys: string[], patchMergeKey: string | undefined = keys[0], patchStrategy = "merge"): ListSemantics =>
  patchMergeKey ? { listType: "map", keys, patchStrategy, patchMergeKey } : { listType: "map", keys };
const set = (patchStrategy?: string): ListSemantics => (patchStrategy ? { listType: "set", patchStrategy } : { listType: "set" });
/** Atomic for apply, merged by key for a strategic merge patch (upstream keeps both on a few lists). */
const atomicMerged = (patchMergeKey: string): ListSemantics => ({ listType: "atomic", patchStrategy: "merge", patchMergeKey });

const CONTAINER: Record<string, ListSemantics> = {
  ports: map(["containerPort", "protocol"], "containerPort"),
  env: map(["name"]),
  volumeMounts: map(["mountPath"]),
  volumeDevices: map(["devicePath"]),
  resizePolicy: { listType: "atomic" },
};

const conditions = map(["type"]);

function forType(type: string, fields: Record<string, ListSemantics>): Array<[string, ListSemantics]> {
  return Object.entries(fields).map(([field, s]) => [`${type}.${field}`, s]);
}

export const LIST_SEMANTICS: ReadonlyMap<string, ListSemantics> = new Map([
  ...forType("ObjectMeta", { finalizers: set("merge"), ownerReferences: map(["uid"]), managedFields: { listType: "atomic" } }),
  ...forType("PodSpec", {
    volumes: map(["name"], "name", "merge,retainKeys"),
    initContainers: map(["name"]),
    containers: map(["name"]),
    ephemeralContainers: map(["name"]),
    imagePullSecrets: map(["name"]),
    hostAliases: map(["ip"]),
    topologySpreadConstraints: map(["topologyKey", "whenUnsatisfiable"], "topologyKey"),
    schedulingGates: map(["name"]),
    resourceClaims: map(["name"], "name", "merge,retainKeys"),
  }),
  ...forType("Container", CONTAINER),
  ...forType("EphemeralContainer", CONTAINER),
  ...forType("PodStatus", {
    conditions,
    podIPs: map(["ip"]),
    hostIPs: map(["ip"]),
    resourceClaimStatuses: map(["name"], "name", "merge,retainKeys"),
  }),
  ...forType("ResourceRequirements", { claims: map(["name"], undefined) }),
  ...forType("NodeSpec", { podCIDRs: set("merge") }),
  ...forType("NodeStatus", { conditions, addresses: map(["type"]) }),
  ...forType("ServiceSpec", { ports: map(["port", "protocol"], "port") }),
  ...forType("ServiceStatus", { conditions: map(["type"], "type") }),
  ...forType("ServiceAccount", { secrets: map(["name"]) }),
  ...forType("NamespaceStatus", { conditions }),
  ...forType("PersistentVolumeClaimStatus", { conditions }),
  ...forType("ReplicationControllerStatus", { conditions }),
  ...forType("ComponentStatus", { conditions }),
  ...forType("DeploymentStatus", { conditions }),
  ...forType("ReplicaSetStatus", { conditions }),
  ...forType("StatefulSetStatus", { conditions }),
  ...forType("DaemonSetStatus", { conditions }),
  ...forType("JobStatus", { conditions: atomicMerged("type") }),
  ...forType("PodDisruptionBudgetStatus", { conditions: map(["type"]) }),
  ...forType("HorizontalPodAutoscalerStatus", { conditions: map(["type"]) }),
  ...forType("CustomResourceDefinitionStatus", { conditions: map(["type"], undefined) }),
  ...forType("Endpoint", { addresses: set() }),
  ...forType("IngressLoadBalancerIngress", { ports: { listType: "atomic" } }),
]);

/** Structs upstream marks `+structType=atomic`: owned and replaced whole by apply. */
export const ATOMIC_STRUCTS: ReadonlySet<string> = new Set([
  "LabelSelector", "NodeSelector", "NodeSelectorTerm", "TopologySelectorTerm", "LocalObjectReference", "ObjectReference",
  "TypedLocalObjectReference", "TypedObjectReference", "ConfigMapKeySelector", "SecretKeySelector", "ObjectFieldSelector",
  "ResourceFieldSelector", "ConfigMapEnvSource", "SecretEnvSource", "OwnerReference", "SecretReference",
  "PersistentVolumeClaimVolumeSource", "ServiceReference", "CrossVersionObjectReference",
]);

/** Maps upstream marks `+mapType=atomic`. */
export const ATOMIC_MAPS: ReadonlySet<string> = new Set([
  "PodSpec.nodeSelector", "ServiceSpec.selector", "ReplicationControllerSpec.selector", "LabelSelector.matchLabels",
]);

/** Key fields upstream's schema defaults, so an element may leave them out (a port's protocol is TCP). */
export const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: "TCP" };

/** The list semantics of field `field` of Go type `type` (the unqualified name: `Container`, `ServiceSpec`). */
export function listSemantics(type: string, field: string): ListSemantics | undefined {
  return LIST_SEMANTICS.get(`${type}.${field}`);
}
