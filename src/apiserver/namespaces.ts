import { isAlreadyExists, isNotFound, StatusError } from "../api/errors.js";
import { Selector } from "../api/labels.js";
import type { KubeObject } from "../api/types.js";
import { deleteObject } from "./registry/delete.js";
import type { Clock, RestStore } from "./registry/rest.js";
import type { ResourceInfo } from "./resource.js";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Creates the namespaces every cluster has. */
export async function ensureSystemNamespaces(namespaces: RestStore): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

/** Upstream's NamespaceLifecycle admission: no new content in a missing or terminating namespace. */
export function namespaceAdmission(namespaces: () => RestStore, clock: Clock) {
  // Like upstream's admission, which reads an informer cache: a namespace seen active is trusted for a
  // second. Content that slips into a namespace being deleted is removed by its finalizer's next pass.
  const activeUntil = new Map<string, number>();
  return async (resource: ResourceInfo, obj: KubeObject): Promise<void> => {
    if (!resource.namespaced) return;
    const name = obj.metadata.namespace!;
    if ((activeUntil.get(name) ?? 0) > clock.now()) return;
    let ns: KubeObject;
    try {
      ns = await namespaces().get(undefined, name);
    } catch (err) {
      if (isNotFound(err)) throw new StatusError(404, "NotFound", `namespaces "${name}" not found`, { name, kind: "namespaces" });
      throw err;
    }
    if (!ns.metadata.deletionTimestamp) activeUntil.set(name, clock.now() + 1000);
    else activeUntil.delete(name);
    if (ns.metadata.deletionTimestamp) {
      throw new StatusError(403, "Forbidden", `${resource.plural}${resource.group ? `.${resource.group}` : ""} "${obj.metadata.name ?? obj.metadata.generateName ?? ""}" is forbidden: unable to create new content in namespace ${name} because it is being terminated`, {
        name: obj.metadata.name, group: resource.group || undefined, kind: resource.plural,
        causes: [{ reason: "NamespaceTerminating", message: `namespace ${name} is being terminated`, field: "metadata.namespace" }],
      });
    }
  };
}

/**
 * Finishes deleting a namespace: deletes everything in it, waits until it is empty, then drops the
 * `kubernetes` finalizer through namespaces/finalize, so the namespace goes once no other finalizer holds
 * it (upstream's namespace controller does this job).
 */
export async function finalizeNamespace(name: string, namespaces: RestStore, contents: RestStore[], clock: Clock): Promise<boolean> {
  const ns = await namespaces.get(undefined, name).catch(() => undefined);
  if (!ns?.metadata.deletionTimestamp) return true;
  if ((ns.status as { phase?: string } | undefined)?.phase !== "Terminating") {
    await namespaces.guaranteedUpdate(undefined, name, { subresource: "status" }, (o) => ({ ...o, status: { phase: "Terminating" } }));
  }
  let remaining = 0;
  for (const rest of contents) {
    const list = await rest.list(name, { labels: Selector.everything(), fields: [], limit: 0 });
    for (const obj of list.items) {
      remaining++;
      if (obj.metadata.deletionTimestamp) continue;
      await deleteObject(rest, name, obj.metadata.name!, { propagationPolicy: "Background" }, clock).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
  if (remaining > 0) return false;
  await namespaces.guaranteedUpdate(undefined, name, { subresource: "finalize" }, (o) => {
    const finalizers = ((o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter((f) => f !== "kubernetes");
    o.spec = { ...(o.spec as object), finalizers };
    return o;
  }).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
  // Other finalizers (in spec or metadata) keep it Terminating until whoever put them there removes them.
  const after = await namespaces.get(undefined, name).catch(() => undefined);
  const held = (after?.metadata.finalizers ?? []).length > 0 || ((after?.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0;
  if (after && !held) await namespaces.removeNow(undefined, name).catch(() => undefined);
  return true;
}
