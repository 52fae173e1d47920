import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cloneJson } from "../api/types.js";
import type { Schema, SchemaMap } from "./openapi/document.js";
import { OpenApi } from "./openapi/serve.js";
import { startTestServer } from "./testing.js";

// A `null` element in any list of an object is a 4xx naming the field, never a 500 and never a write.
// The cases are generated from the kinds' schemas: every list path of each kind below, at any depth.
type Json = Record<string, unknown>;
const REF = "#/components/schemas/";
const podSpec = { containers: [{ name: "c", image: "nginx" }] };
const template = { metadata: { labels: { app: "a" } }, spec: { ...podSpec, restartPolicy: "Never" } };
const KINDS: Array<{ kind: string; definition: string; path: string; base: Json }> = [
  { kind: "Pod", definition: "io.k8s.api.core.v1.Pod", path: "/api/v1/namespaces/default/pods", base: { spec: podSpec } },
  { kind: "Deployment", definition: "io.k8s.api.apps.v1.Deployment", path: "/apis/apps/v1/namespaces/default/deployments",
    base: { spec: { selector: { matchLabels: { app: "a" } }, template: { ...template, spec: podSpec } } } },
  { kind: "StatefulSet", definition: "io.k8s.api.apps.v1.StatefulSet", path: "/apis/apps/v1/namespaces/default/statefulsets",
    base: { spec: { serviceName: "s", selector: { matchLabels: { app: "a" } }, template: { ...template, spec: podSpec } } } },
  { kind: "Job", definition: "io.k8s.api.batch.v1.Job", path: "/apis/batch/v1/namespaces/default/jobs", base: { spec: { template } } },
  { kind: "CronJob", definition: "io.k8s.api.batch.v1.CronJob", path: "/apis/batch/v1/namespaces/default/cronjobs",
    base: { spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } } } },
  { kind: "Service", definition: "io.k8s.api.core.v1.Service", path: "/api/v1/namespaces/default/services", base: { spec: { ports: [{ port: 80 }] } } },
  { kind: "Endpoints", definition: "io.k8s.api.core.v1.Endpoints", path: "/api/v1/namespaces/default/endpoints", base: {} },
  { kind: "PersistentVolumeClaim", definition: "io.k8s.api.core.v1.PersistentVolumeClaim", path: "/api/v1/namespaces/default/persistentvolumeclaims",
    base: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } },
];

interface ListPath {
  /** Property names, with "[]" for stepping into a list's first element. */
  segments: string[];
  /** Whether the list holds objects (a null is refused) or scalars (a null is Go's zero value). */
  ofObjects: boolean;
}

function resolve(schemas: SchemaMap, s: Schema): { schema: Schema; ref?: string } {
  const ref = (s.$ref as string | undefined) ?? ((s.allOf as Schema[] | undefined)?.[0]?.$ref as string | undefined);
  return ref ? { schema: schemas[ref.slice(REF.length)] ?? {}, ref } : { schema: s };
}

/** Every list under a definition, each reached through first elements of the lists above it. */
function listPaths(schemas: SchemaMap, definition: string): ListPath[] {
  const out: ListPath[] = [];
  const visit = (s: Schema, segments: string[], seen: string[]) => {
    const { schema, ref } = resolve(schemas, s);
    if (ref && seen.includes(ref)) return;
    const trail = ref ? [...seen, ref] : seen;
    if (schema.type === "array") {
      const items = resolve(schemas, schema.items as Schema);
      const ofObjects = items.schema.type === "object" || items.schema.type === "array";
      out.push({ segments, ofObjects });
      if (items.schema.properties) visit(schema.items as Schema, [...segments, "[]"], trail);
      return;
    }
    for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) visit(child, [...segments, key], trail);
  };
  visit({ $ref: REF + definition }, [], []);
  return out;
}

/** The base object with `[null]` at the path, and the path as the API server names it. */
function withNull(base: Json, segments: string[]): { body: Json; field: string } {
  const body = cloneJson(base);
  let at: Json | unknown[] = body;
  let field = "";
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === "[]") {
      const list = at as unknown[];
      if (list.length === 0) list.push({});
      at = list[0] as Json;
      field += "[0]";
      return;
    }
    field += field ? `.${seg}` : seg;
    const o = at as Json;
    if (last) o[seg] = [null];
    else {
      if (o[seg] === undefined || o[seg] === null) o[seg] = segments[i + 1] === "[]" ? [] : {};
      at = o[seg] as Json;
    }
  });
  return { body, field: `${field}[0]` };
}

describe("null list elements", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });
  const schemas = new OpenApi([]).schemas();

  for (const k of KINDS) {
    test(`StructuralDecoder refuses [null] in every list of a ${k.kind} with a 4xx naming the field, writing nothing`, async () => {
      const paths = listPaths(schemas, k.definition);
      assert.ok(paths.length > 3, `${k.kind}: ${paths.length} list paths`);
      let n = 0;
      for (const p of paths) {
        const name = `n${n++}`;
        const { body, field } = withNull({ ...k.base, metadata: { name } }, p.segments);
        const r = await t.call("POST", k.path, { apiVersion: undefined, kind: k.kind, ...body });
        const where = `${k.kind} ${field}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
        assert.ok(r.status < 500, where);
        if (p.ofObjects) {
          assert.equal(r.status, 422, where);
          const causes = (r.body.details as { causes: Array<{ field: string; reason: string }> }).causes;
          assert.deepEqual(causes, [{ field, reason: "FieldValueRequired", message: "Required value" }], where);
          assert.equal((await t.call("GET", `${k.path}/${name}`)).status, 404, `${where}: nothing written`);
        } else if (r.status < 300) {
          // Go's zero value ("" or 0) stands in for the null, as upstream's decoding.
          assert.ok(!JSON.stringify(r.body).includes("[null"), where);
        }
      }
    });
  }
});
