import type { ResourceInfo } from "../resource.js";

export type Schema = Record<string, unknown>;
export type SchemaMap = Record<string, Schema>;

/** The OpenAPI name of a kind's schema, as upstream's (`io.k8s.api.apps.v1.Deployment`). */
export function definitionName(group: string, version: string, kind: string): string {
  // Upstream's package is the group's first label: rbac.authorization.k8s.io → rbac, apps → apps.
  const pkg = group === "" ? "core" : group.split(".")[0]!;
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}

const param = (name: string, description: string) => ({ name, in: "query", description, schema: { type: "string", uniqueItems: true } });
const WRITE_PARAMS = [
  param("dryRun", "When present, indicates that modifications should not be persisted."),
  param("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  param("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict"),
];

const FORCE_PARAM = { name: "force", in: "query", description: "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.", schema: { type: "boolean", uniqueItems: true } };
const PATCH_TYPES = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

/** Collects a schema and everything it references, so one group-version document is self-contained. */
function closure(roots: string[], all: SchemaMap): SchemaMap {
  const out: SchemaMap = {};
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (out[name] || !all[name]) continue;
    out[name] = all[name]!;
    JSON.stringify(all[name], (key, value) => {
      if (key === "$ref" && typeof value === "string") stack.push(value.replace("#/components/schemas/", ""));
      return value;
    });
  }
  return out;
}

/** One OpenAPI 3.0 document for a group-version: its paths (with the write parameters) and schemas. */
export function groupVersionDocument(group: string, version: string, resources: ResourceInfo[], all: SchemaMap): unknown {
  const paths: Record<string, unknown> = {};
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const roots: string[] = [];
  for (const r of resources) {
    const def = definitionName(group, version, r.kind);
    roots.push(def);
    const ref = { $ref: `#/components/schemas/${def}` };
    const body = { content: { "application/json": { schema: ref } } };
    const ok = { "200": { description: "OK", content: { "application/json": { schema: ref } } } };
    const gvk = [{ group, version, kind: r.kind }];
    const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    const op = (verb: string, extra: Record<string, unknown> = {}) => ({
      operationId: `${verb}${r.namespaced ? "Namespaced" : ""}${r.kind}`, "x-kubernetes-action": verb, "x-kubernetes-group-version-kind": gvk[0], responses: ok, ...extra,
    });
    const post = op("post", { parameters: WRITE_PARAMS, requestBody: body });
    // A create-only resource (SelfSubjectReview…) has only its POST, as upstream documents it.
    if (r.review) {
      paths[base] = { post };
      continue;
    }
    paths[base] = { get: op("list"), post };
    paths[`${base}/{name}`] = {
      get: op("get"),
      put: op("put", { parameters: WRITE_PARAMS, requestBody: body }),
      patch: op("patch", { parameters: [...WRITE_PARAMS, FORCE_PARAM], requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: "object" } }])) } }),
      delete: op("delete"),
    };
  }
  const schemas = closure(roots, all);
  for (const r of resources) {
    const def = definitionName(group, version, r.kind);
    if (schemas[def]) schemas[def] = { ...schemas[def], "x-kubernetes-group-version-kind": [{ group, version, kind: r.kind }] };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas },
  };
}

