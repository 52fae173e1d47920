import type { RequestAttributes, UserInfo } from "./types.js";

/** Path prefixes of resource requests; only `api` has no group segment. */
const API_PREFIXES = new Set(["api", "apis"]);
/** Verbs named by a path segment before the resource (`/api/v1/watch/pods`, `/api/v1/proxy/…`). */
const SPECIAL_VERBS = new Set(["proxy", "watch"]);
/** What follows `namespaces/<name>` and is the namespace's own subresource, not a resource in it. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
const METHOD_VERBS: Record<string, string> = { POST: "create", GET: "get", HEAD: "get", PUT: "update", PATCH: "patch", DELETE: "delete" };

/** Go's strconv.ParseBool, which the list options' `watch` is decoded with. */
function parseBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/** Whether `?watch=` makes a list a watch: as upstream decodes it, and when that fails anything but false/0. */
function watchParameter(query: URLSearchParams): boolean {
  const value = query.get("watch");
  if (value === null) return false;
  return parseBool(value) ?? !["false", "0"].includes(value.toLowerCase());
}

/** A field selector that asks for exactly one `metadata.name` (`metadata.name=x` or `==x`), that name. */
function exactName(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(",")) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    // A name that could not be a path segment is not taken (upstream's IsValidPathSegmentName).
    if (m && m[1] !== "" && m[1] !== "." && m[1] !== ".." && !/[/%]/.test(m[1]!)) return m[1];
  }
  return undefined;
}

function nonResource(method: string, path: string, user: UserInfo): RequestAttributes {
  return { user, verb: method.toLowerCase(), resourceRequest: false, path, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "" };
}

/**
 * What a request asks to do, as upstream's RequestInfoFactory reads it from the method and path:
 *
 *   /api/v1/namespaces/ns/pods/p/log         get pods/log "p" in ns
 *   /apis/apps/v1/deployments?watch=true     watch deployments (all namespaces)
 *   /api/v1/watch/namespaces/ns/pods         watch pods in ns
 *   /api/v1/namespaces/ns                    get namespaces "ns" (its namespace is "ns" too, as upstream's)
 *   DELETE /api/v1/namespaces/ns/pods        deletecollection pods in ns
 *   GET /api/v1/pods?fieldSelector=metadata.name=p   list pods, name "p"
 *   /healthz, /api, /apis/apps/v1            non-resource: the path with the HTTP verb in lower case
 *
 * `path` is the request's path as sent (escapes are decoded here, segment by segment).
 */
export function requestAttributes(method: string, path: string, query: URLSearchParams, user: UserInfo): RequestAttributes {
  // Every request pays for this: one array of segments, read from an index rather than sliced.
  const parts = path.split("/").filter(Boolean);
  const n = parts.length;
  if (n < 3 || !API_PREFIXES.has(parts[0]!)) return nonResource(method, path, user);
  if (path.includes("%")) for (let k = 0; k < n; k++) if (parts[k]!.includes("%")) parts[k] = safeDecode(parts[k]!);
  let i = 1;
  let apiGroup = "";
  if (parts[0] === "apis") {
    if (n - i < 3) return nonResource(method, path, user);
    apiGroup = parts[i++]!;
  }
  const apiVersion = parts[i++]!;
  let verb: string;
  if (SPECIAL_VERBS.has(parts[i]!)) {
    // Upstream refuses `/api/v1/watch` with nothing after it; as a request for nothing it is a non-resource one here.
    if (n - i < 2) return nonResource(method, path, user);
    verb = parts[i++]!;
  } else {
    verb = METHOD_VERBS[method] ?? "";
  }
  let namespace = "";
  if (parts[i] === "namespaces" && n - i > 1) {
    namespace = parts[i + 1]!;
    if (n - i > 2 && !NAMESPACE_SUBRESOURCES.has(parts[i + 2]!)) i += 2;
  }
  const resource = parts[i] ?? "";
  let name = parts[i + 1] ?? "";
  const subresource = n - i >= 3 && verb !== "proxy" ? parts[i + 2]! : "";
  let fieldSelector: string | undefined;
  if (name === "" && verb === "get") {
    verb = watchParameter(query) ? "watch" : "list";
    fieldSelector = query.get("fieldSelector") ?? undefined;
    name = exactName(fieldSelector ?? null) ?? "";
  } else if (verb === "watch") {
    fieldSelector = query.get("fieldSelector") ?? undefined;
  }
  if (name === "" && verb === "delete") verb = "deletecollection";
  return { user, verb, resourceRequest: true, path, apiGroup, apiVersion, resource, subresource, namespace, name, ...(fieldSelector ? { fieldSelector } : {}) };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
