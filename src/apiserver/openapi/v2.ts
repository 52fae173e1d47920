import protobuf from "protobufjs/minimal.js";
import { stringify } from "yaml";
import type { ResourceInfo } from "../resource.js";
import { definitionName, type Schema, type SchemaMap } from "./document.js";

/**
 * The Swagger 2.0 document kubectl ≤ 1.28 reads for client-side validation and apply's patch metadata,
 * built from the same schemas as the v3 documents. Served as JSON, or as the gnostic `openapi_v2.Document`
 * protobuf kubectl asks for.
 */
export function swaggerV2(schemas: SchemaMap, resources: ResourceInfo[]): Schema {
  const definitions: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(schemas)) definitions[name] = toV2(schema);
  for (const r of resources) {
    const name = definitionName(r.group, r.version, r.kind);
    if (definitions[name]) definitions[name] = { ...definitions[name], "x-kubernetes-group-version-kind": [{ group: r.group, kind: r.kind, version: r.version }] };
  }
  return { swagger: "2.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths: {}, definitions };
}

function toV2(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref") out.$ref = String(value).replace("#/components/schemas/", "#/definitions/");
    else if (key === "allOf" && Array.isArray(value) && value.length === 1) Object.assign(out, toV2(value[0] as Schema));
    else if (key === "properties") out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toV2(v)]));
    else if (key === "items" || key === "additionalProperties") out[key] = toV2(value as Schema);
    else out[key] = value;
  }
  return out;
}

type W = protobuf.Writer;
const str = (w: W, field: number, value: unknown) => {
  if (typeof value === "string" && value !== "") w.uint32((field << 3) | 2).string(value);
};
const msg = (w: W, field: number, body: (w: W) => void) => {
  w.uint32((field << 3) | 2).fork();
  body(w);
  w.ldelim();
};

function encodeSchema(w: W, s: Schema): void {
  str(w, 1, s.$ref);
  str(w, 2, s.format);
  str(w, 4, s.description);
  for (const r of (s.required as string[] | undefined) ?? []) str(w, 19, r);
  if (s.additionalProperties) msg(w, 21, (a) => msg(a, 1, (x) => encodeSchema(x, s.additionalProperties as Schema)));
  if (s.type) msg(w, 22, (t) => str(t, 1, s.type));
  if (s.items) msg(w, 23, (i) => msg(i, 1, (x) => encodeSchema(x, s.items as Schema)));
  if (s.properties) {
    msg(w, 25, (p) => {
      for (const [name, value] of Object.entries(s.properties as Record<string, Schema>)) {
        msg(p, 1, (n) => {
          str(n, 1, name);
          msg(n, 2, (x) => encodeSchema(x, value));
        });
      }
    });
  }
  for (const [key, value] of Object.entries(s)) {
    if (!key.startsWith("x-")) continue;
    msg(w, 31, (n) => {
      str(n, 1, key);
      msg(n, 2, (a) => str(a, 2, stringify(value)));
    });
  }
}

export function encodeSwaggerProtobuf(doc: Schema): Uint8Array {
  const w = protobuf.Writer.create();
  str(w, 1, doc.swagger);
  msg(w, 2, (i) => {
    str(i, 1, (doc.info as Schema).title);
    str(i, 2, (doc.info as Schema).version);
  });
  msg(w, 8, () => {});
  msg(w, 9, (d) => {
    for (const [name, schema] of Object.entries(doc.definitions as Record<string, Schema>)) {
      msg(d, 1, (n) => {
        str(n, 1, name);
        msg(n, 2, (x) => encodeSchema(x, schema));
      });
    }
  });
  return w.finish();
}
