import { canonicalJson } from "../../api/canonical.js";
import type { KubeObject } from "../../api/types.js";
import type { ResourceRef, RestClient } from "../../client/rest.js";

/** How a controller names the kind whose status it writes. */
export interface StatusTarget {
  resource: ResourceRef;
  apiVersion: string;
  kind: string;
}

/**
 * Writes `status` through the status subresource when it differs from what `owner` (as cached) has; the
 * update carries the cached resourceVersion, so a stale cache is a 409 and the key is synced again.
 * Returns the written object, or undefined when nothing changed.
 */
export async function writeStatusIfChanged<T extends KubeObject>(client: RestClient, target: StatusTarget, owner: T, status: object): Promise<T | undefined> {
  if (canonicalJson(status) === canonicalJson(owner.status ?? {})) return undefined;
  return client.update<T>(target.resource, { ...owner, apiVersion: target.apiVersion, kind: target.kind, status }, "status");
}
