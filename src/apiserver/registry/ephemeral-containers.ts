import { badRequest } from "../../api/errors.js";
import { invalidError } from "../../api/field-errors.js";
import { cloneJson, isPlainObject, type KubeObject } from "../../api/types.js";
import { validateEphemeralContainers, validateEphemeralContainersUpdate } from "../../api/validation/ephemeral-containers.js";
import type { RestStore, WriteOptions } from "./rest.js";

type Json = Record<string, unknown>;

/**
 * pods/ephemeralcontainers (upstream's EphemeralContainersREST): the write changes spec.ephemeralContainers
 * and nothing else of the pod (its strategy drops every other change); existing ephemeral containers can't
 * be removed or changed. `next` turns the stored pod into the requested one (a PUT body, a patch).
 */
export async function updateEphemeralContainers(
  pods: RestStore, namespace: string, name: string, next: (pod: KubeObject) => unknown, write: WriteOptions,
): Promise<KubeObject> {
  return pods.guaranteedUpdate(namespace, name, { ...write, subresource: "ephemeralcontainers" }, (current) => {
    const requested = next(cloneJson(current));
    if (!isPlainObject(requested) || !isPlainObject(requested.spec)) throw badRequest("the body of the request must be a Pod with a spec");
    const meta = isPlainObject(requested.metadata) ? requested.metadata : {};
    if (typeof meta.name === "string" && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    const out = cloneJson(current);
    const spec = out.spec as Json;
    const list = requested.spec.ephemeralContainers;
    if (list === undefined || list === null) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = list;
    // A resourceVersion the request carries stays a precondition on the stored pod.
    if (typeof meta.resourceVersion === "string" && meta.resourceVersion !== "") out.metadata.resourceVersion = meta.resourceVersion;
    // Compared as upstream compares them: both defaulted (what a client sends is, once decoded).
    pods.info.strategy.defaults?.(out);
    // Upstream's order: the new spec's errors (the rest of it is the stored, valid one), then the update's.
    const errors = [
      ...validateEphemeralContainers(spec, "spec"),
      ...validateEphemeralContainersUpdate(spec, (current.spec ?? {}) as Json, current.metadata.annotations),
    ];
    if (errors.length > 0) throw invalidError("Pod", "", name, errors);
    return out;
  });
}
