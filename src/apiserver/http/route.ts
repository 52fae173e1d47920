import type { ResourceInfo } from "../resource.js";

/** A request path resolved against the served resources. */
export interface ResourceRoute {
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The legacy `/watch/` path prefix was used. */
  watchPath: boolean;
}

export type Route =
  | { type: "resource"; route: ResourceRoute }
  | { type: "discovery-root"; legacy: boolean }
  | { type: "discovery-group"; group: string }
  | { type: "discovery-version"; group: string; version: string }
  | { type: "unknown-resource"; group: string; resource: string }
  | { type: "not-found" };

/**
 * A request target's path and query. Only a target that could need normalising (dot segments,
 * backslashes, a fragment) goes through the WHATWG URL parser: every request pays for this, and almost
 * none need it. Escapes stay in the path, as the parser leaves them: `resolve` decodes each segment.
 */
export function requestTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  const q = target.indexOf("?");
  const pathname = q < 0 ? target : target.slice(0, q);
  if (!pathname.startsWith("/") || /\/\.|\\/.test(pathname) || target.includes("#")) return new URL(target, "http://localhost");
  return { pathname, searchParams: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)) };
}

/** Resolves `/api/v1/namespaces/ns/pods/name/status` and `/apis/apps/v1/...` to a resource and its parts. */
export function resolve(path: string, byGroupVersion: Map<string, Map<string, ResourceInfo>>): Route {
  const parts = path.split("/").filter(Boolean).map((p) => (p.includes("%") ? decodeURIComponent(p) : p));
  let group: string;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length === 1) return { type: "discovery-root", legacy: true };
    group = "";
    if (parts[1] !== "v1") return { type: "not-found" };
    rest = parts.slice(2);
  } else if (parts[0] === "apis") {
    if (parts.length === 1) return { type: "discovery-root", legacy: false };
    group = parts[1]!;
    if (parts.length === 2) return { type: "discovery-group", group };
    rest = parts.slice(3);
  } else return { type: "not-found" };
  const version = parts[0] === "api" ? "v1" : parts[2]!;
  const resources = byGroupVersion.get(`${group}/${version}`);
  if (!resources) return { type: "not-found" };
  if (rest.length === 0) return { type: "discovery-version", group, version };
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // `namespaces/x/<resource>` is a namespaced resource; `namespaces/x[/status|/finalize]` the namespace itself.
  if (rest[0] === "namespaces" && (rest.length > 3 || (rest.length === 3 && rest[2] !== "status" && rest[2] !== "finalize"))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = resources.get(rest[0]!);
  if (!resource) return { type: "unknown-resource", group, resource: rest[0]! };
  if (namespace !== undefined && !resource.namespaced) return { type: "not-found" };
  // Only a proxy takes a path after its subresource (`pods/x/proxy/healthz`).
  if (rest.length > 3 && rest[2] !== "proxy") return { type: "not-found" };
  return { type: "resource", route: { resource, namespace, name: rest[1], subresource: rest[2], watchPath } };
}
