import { StatusError } from "../../api/errors.js";
import type { RequestAttributes } from "./types.js";

/**
 * Upstream's 403 for a refused request (responsewriters.Forbidden): what the user may not do, then the
 * authorizer's reason if it gave one; details name the resource (group, kind = resource, name).
 *
 *   pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"
 *   deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "shop"
 *   nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope
 *   forbidden: User "alice" cannot get path "/metrics"
 */
export function forbidden(attrs: RequestAttributes, reason?: string): StatusError {
  const user = attrs.user.name;
  let what: string;
  if (!attrs.resourceRequest) {
    what = `User ${quote(user)} cannot ${attrs.verb} path ${quote(attrs.path)}`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace ? `in the namespace ${quote(attrs.namespace)}` : "at the cluster scope";
    what = `User ${quote(user)} cannot ${attrs.verb} resource ${quote(resource)} in API group ${quote(attrs.apiGroup)} ${scope}`;
  }
  const message = reason ? `${what}: ${reason}` : what;
  if (!attrs.resourceRequest || attrs.resource === "") return new StatusError(403, "Forbidden", `forbidden: ${message}`, {});
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const subject = attrs.name ? `${qualified} ${quote(attrs.name)}` : qualified;
  return new StatusError(403, "Forbidden", `${subject} is forbidden: ${message}`, {
    ...(attrs.name ? { name: attrs.name } : {}), ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}), kind: attrs.resource,
  });
}

/** Go's %q for the strings these messages hold. */
function quote(s: string): string {
  return JSON.stringify(s);
}
