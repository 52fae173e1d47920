import { withCondition } from "../../api/conditions.js";
import { badRequest, conflict, StatusError } from "../../api/errors.js";
import { formatLabelSelector } from "../../api/labels.js";
import { formatTime } from "../../api/meta.js";
import { isPlainObject, type KubeObject } from "../../api/types.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { RestStore } from "../registry/rest.js";

type Json = Record<string, unknown>;

/** The autoscaling/v1 Scale view of a workload (deployments, replicasets, statefulsets, RCs). */
export function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Json;
  const status = (obj.status ?? {}) as Json;
  const selector = obj.kind === "ReplicationController"
    ? formatLabelSelector({ matchLabels: (spec.selector ?? {}) as Record<string, string> })
    : formatLabelSelector(spec.selector as LabelSelector | undefined);
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: selector === "<none>" ? "" : selector },
  };
}

/** Writes a Scale back: only spec.replicas changes; a stale resourceVersion in the Scale is a 409. */
export async function updateScale(rest: RestStore, namespace: string | undefined, name: string, next: (scale: KubeObject) => KubeObject, dryRun: boolean, manager?: string): Promise<KubeObject> {
  const fieldManager = manager === undefined ? undefined : { manager, subresource: "scale" };
  const updated = await rest.guaranteedUpdate(namespace, name, { dryRun, fieldManager }, (current) => {
    const scale = next(toScale(current));
    if (!isPlainObject(scale) || !isPlainObject(scale.spec)) throw badRequest("the body of the request must be a Scale");
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(rest.qualified, name);
    const replicas = (scale.spec as Json).replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw new StatusError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
        name, group: "autoscaling", kind: "Scale", causes: [{ reason: "FieldValueInvalid", message: "Invalid value: must be greater than or equal to 0", field: "spec.replicas" }],
      });
    }
    (current.spec as Json).replicas = replicas;
    return current;
  });
  return toScale(updated);
}

/**
 * An applied autoscaling/v1 Scale as the configuration of its workload: the replicas it sets, in the
 * workload's own kind (upstream converts the scale's managed fields to the parent's `.spec.replicas`).
 */
export function scaleConfiguration(rest: RestStore, name: string, scale: Record<string, unknown>): KubeObject {
  if (scale.kind !== undefined && scale.kind !== "Scale") throw badRequest(`the object provided is unrecognized (must be of type Scale): kind ${String(scale.kind)}`);
  if (scale.apiVersion !== undefined && scale.apiVersion !== "autoscaling/v1") throw badRequest(`the API version in the data (${String(scale.apiVersion)}) does not match the expected API version (autoscaling/v1)`);
  const spec = isPlainObject(scale.spec) ? scale.spec : {};
  const config: KubeObject = { apiVersion: rest.info.group ? `${rest.info.group}/${rest.info.version}` : rest.info.version, kind: rest.info.kind, metadata: { name } };
  if (spec.replicas !== undefined) config.spec = { replicas: spec.replicas };
  return config;
}

/**
 * pods/binding: assigns a node to a pod once, as upstream's BindingREST: spec.nodeName, the binding's
 * annotations and PodScheduled=True, written at the storage layer (the server's own change to a pod it
 * already validated is not decoded, defaulted or validated again). A uid in the binding is a precondition.
 */
export async function bindPod(pods: RestStore, namespace: string, name: string, binding: unknown, now: number): Promise<void> {
  const target = isPlainObject(binding) && isPlainObject(binding.target) ? binding.target : undefined;
  const node = target?.name;
  if (typeof node !== "string" || node === "") throw badRequest("a binding needs target.name");
  const meta = isPlainObject(binding) && isPlainObject(binding.metadata) ? binding.metadata : {};
  const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
  await pods.guaranteedUpdate(namespace, name, { subresource: "binding" }, (pod) => {
    const spec = (pod.spec ?? {}) as Json;
    if (typeof meta.uid === "string" && meta.uid !== "" && meta.uid !== pod.metadata.uid) {
      throw conflict(pods.qualified, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid ?? ""}`);
    }
    if (pod.metadata.deletionTimestamp) throw conflict(pods.qualified, name, "pod is being deleted, cannot be assigned to a host");
    if (spec.nodeName) throw conflict(pods.qualified, name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
    spec.nodeName = node;
    for (const [k, v] of Object.entries(annotations)) if (typeof v === "string") (pod.metadata.annotations ??= {})[k] = v;
    const status = (pod.status ??= {}) as { conditions?: Array<{ type: string; status: string; lastProbeTime: null }> };
    status.conditions = withCondition(status.conditions, { type: "PodScheduled", status: "True", lastProbeTime: null }, formatTime(now));
    return pod;
  });
}
