import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { startTestServer } from "../testing.js";
import type { Schema, SchemaMap } from "./document.js";

// The served OpenAPI, checked against upstream's published 1.32 OpenAPI (openapi/, vendored from
// kubernetes/kubernetes release-1.32's api/openapi-spec/swagger.json) for every kind the server serves.
const PUBLISHED_FILE = new URL("../../../../openapi/kubernetes-1.32.swagger.json.gz", import.meta.url);
const published = (JSON.parse(gunzipSync(readFileSync(PUBLISHED_FILE)).toString("utf8")) as { definitions: SchemaMap }).definitions;

/** The keys that say a field's shape and how it merges; each must be what upstream publishes. */
const COMPARED = ["type", "format", "required", "description", "additionalProperties", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key", "x-kubernetes-int-or-string", "x-kubernetes-unions"];

/** A v3 schema (`allOf: [{$ref}]` beside siblings, refs into components) in the published v2 spelling. */
function refOf(s: Schema): string | undefined {
  const ref = (s.$ref as string | undefined) ?? ((s.allOf as Schema[] | undefined)?.[0]?.$ref as string | undefined);
  return ref?.replace("#/components/schemas/", "").replace("#/definitions/", "");
}

/** Where `served` differs from `upstream` at `path`, one line a difference. */
function differences(served: Schema, upstream: Schema, path: string): string[] {
  const out: string[] = [];
  if (refOf(served) !== refOf(upstream)) out.push(`${path}: $ref ${refOf(served)}, published ${refOf(upstream)}`);
  for (const key of COMPARED) {
    const a = served[key];
    const b = upstream[key];
    if (key === "additionalProperties" && a && b) out.push(...differences(a as Schema, b as Schema, `${path}{}`));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${key} ${JSON.stringify(a)}, published ${JSON.stringify(b)}`);
  }
  if (served.items || upstream.items) out.push(...differences((served.items ?? {}) as Schema, (upstream.items ?? {}) as Schema, `${path}[]`));
  const sp = (served.properties ?? {}) as SchemaMap;
  const up = (upstream.properties ?? {}) as SchemaMap;
  for (const name of new Set([...Object.keys(sp), ...Object.keys(up)])) {
    if (!sp[name]) out.push(`${path}.${name}: not served`);
    else if (!up[name]) out.push(`${path}.${name}: not published`);
    else out.push(...differences(sp[name], up[name], `${path}.${name}`));
  }
  return out;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let v3: Map<string, { schemas: SchemaMap; kinds: Array<{ group: string; version: string; kind: string; definition: string }> }>;

before(async () => {
  server = await startTestServer();
  v3 = new Map();
  const index = await server.call("GET", "/openapi/v3");
  for (const [gv, { serverRelativeURL }] of Object.entries(index.body.paths as Record<string, { serverRelativeURL: string }>)) {
    const doc = (await server.call("GET", serverRelativeURL)).body as { components: { schemas: SchemaMap } };
    const kinds = Object.entries(doc.components.schemas).flatMap(([definition, s]) =>
      ((s["x-kubernetes-group-version-kind"] ?? []) as Array<{ group: string; version: string; kind: string }>).map((gvk) => ({ ...gvk, definition })));
    v3.set(gv, { schemas: doc.components.schemas, kinds });
  }
});
after(() => server.close());

test("OpenAPI v3: every served kind is one upstream publishes for 1.32", () => {
  const served = server.server.resources.map((r) => `${r.group}/${r.version}/${r.kind}`).sort();
  const documented = [...v3.values()].flatMap((d) => d.kinds.map((k) => `${k.group}/${k.version}/${k.kind}`)).sort();
  assert.deepEqual(documented, served);
  for (const d of v3.values()) for (const k of d.kinds) assert.ok(published[k.definition], `${k.definition} is not in the published 1.32 OpenAPI`);
});

test("OpenAPI v3: each served kind's schemas are the published 1.32 ones (types, int32/int64 formats, required, list types, list-map keys, map types, patch strategies)", () => {
  let compared = 0;
  for (const [gv, doc] of v3) {
    for (const [name, schema] of Object.entries(doc.schemas)) {
      assert.ok(published[name], `${gv}: ${name} is not published`);
      assert.deepEqual(differences(schema, published[name]!, name), []);
      compared++;
    }
  }
  assert.ok(compared > 300, `compared ${compared} schemas`);
});

test("OpenAPI v3: a Deployment's container ports are keyed by containerPort and protocol, and int64 is int64", () => {
  const apps = v3.get("apis/apps/v1")!.schemas;
  const ports = apps["io.k8s.api.core.v1.Container"]!.properties as SchemaMap;
  assert.deepEqual(ports.ports!["x-kubernetes-list-map-keys"], ["containerPort", "protocol"]);
  assert.equal(ports.ports!["x-kubernetes-list-type"], "map");
  const podSpec = apps["io.k8s.api.core.v1.PodSpec"]!.properties as SchemaMap;
  assert.equal(podSpec.terminationGracePeriodSeconds!.format, "int64");
  assert.equal(((apps["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!.properties as SchemaMap).generation)!.format, "int64");
});

test("OpenAPI v2: every definition is the published 1.32 one", async () => {
  const v2 = (await server.call("GET", "/openapi/v2")).body as { definitions: SchemaMap };
  assert.deepEqual(Object.keys(v2.definitions).sort(), Object.keys(published).sort());
  for (const [name, schema] of Object.entries(v2.definitions)) {
    const { "x-kubernetes-group-version-kind": _served, ...rest } = schema;
    const { "x-kubernetes-group-version-kind": _published, ...upstream } = published[name]!;
    assert.deepEqual(rest, upstream, name);
  }
});
