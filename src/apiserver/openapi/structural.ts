import { StatusError } from "../../api/errors.js";
import { isPlainObject } from "../../api/types.js";
import type { Schema, SchemaMap } from "./document.js";

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
/** Embedded objects of any kind (a ControllerRevision's data): kept as they are. */
const RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension";
const REF_PREFIX = "#/components/schemas/";

export interface ShapeReport {
  /** Fields the schema doesn't know, as dotted paths; they have been removed from the object. */
  unknown: string[];
}

/**
 * Decodes a JSON object against a kind's schema the way upstream decodes into its Go types: a value of
 * the wrong JSON type is a 400 naming the field; unknown fields are pruned and reported (the caller turns
 * them into a strict-decoding error or a warning); nulls are dropped, as Go's zero values would be.
 */
export class StructuralDecoder {
  private readonly resolved = new Map<Schema, { schema: Schema; ref?: string }>();

  constructor(private readonly schemas: SchemaMap) {}

  has(definition: string): boolean {
    return this.schemas[definition] !== undefined;
  }

  /** `stored`: an already valid object whose top-level values `obj` may share; those are not walked again. */
  decode(obj: Record<string, unknown>, definition: string, kind: string, version: string, stored?: Record<string, unknown>): ShapeReport {
    const unknown: string[] = [];
    const fail = (what: string, field: string, goType: string): never => {
      throw new StatusError(400, "BadRequest", `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${what} into Go struct field ${field} of type ${goType}`);
    };
    // Paths are linked segments, rendered only when a field is reported: the walk runs on every write.
    const walk = (value: unknown, schemaIn: Schema, path: Segment | undefined, owner: string): void => {
      const { schema, ref } = this.resolve(schemaIn);
      const at = () => `${owner}.${render(path)}`;
      if (ref === RAW_EXTENSION) return;
      if (ref === QUANTITY) {
        if (typeof value !== "string" && typeof value !== "number") fail(jsonType(value), at(), "resource.Quantity");
        return;
      }
      if (schema["x-kubernetes-int-or-string"]) {
        if (typeof value !== "string" && typeof value !== "number") fail(jsonType(value), at(), "intstr.IntOrString");
        return;
      }
      switch (schema.type as string | undefined) {
        case "string":
          if (typeof value !== "string") fail(jsonType(value), at(), "string");
          return;
        case "integer":
        case "number":
          if (typeof value !== "number") fail(jsonType(value), at(), schema.type === "integer" ? "int32" : "float64");
          return;
        case "boolean":
          if (typeof value !== "boolean") fail(jsonType(value), at(), "bool");
          return;
        case "array": {
          if (!Array.isArray(value)) fail(jsonType(value), at(), "[]" + goName(schema.items as Schema));
          const items = schema.items as Schema;
          const list = value as unknown[];
          for (let i = 0; i < list.length; i++) if (list[i] !== null) walk(list[i], items, { parent: path, key: i, index: true }, owner);
          return;
        }
        case "object": {
          const properties = schema.properties as Record<string, Schema> | undefined;
          const additional = schema.additionalProperties as Schema | undefined;
          if (!properties && !additional) return; // opaque (RawExtension, FieldsV1): anything goes
          if (!isPlainObject(value)) fail(jsonType(value), at(), ref ? `v1.${ref.slice(ref.lastIndexOf(".") + 1)}` : "map[string]string");
          const o = value as Record<string, unknown>;
          const childOwner = ref ? ref.slice(ref.lastIndexOf(".") + 1) : owner;
          for (const key in o) {
            const child = o[key];
            if (child === null) {
              delete o[key];
              continue;
            }
            if (path === undefined && stored !== undefined && child === stored[key] && typeof child === "object") continue;
            const childSchema = properties ? properties[key] : additional;
            const segment: Segment = { parent: path, key, index: !properties };
            if (!childSchema) {
              unknown.push(render(segment));
              delete o[key];
              continue;
            }
            walk(child, childSchema, segment, ref ? childOwner : owner);
          }
          return;
        }
        default:
          return;
      }
    };
    walk(obj, { $ref: REF_PREFIX + definition }, undefined, kind);
    return { unknown };
  }

  private resolve(schema: Schema): { schema: Schema; ref?: string } {
    let hit = this.resolved.get(schema);
    if (!hit) this.resolved.set(schema, (hit = this.follow(schema)));
    return hit;
  }

  private follow(schema: Schema): { schema: Schema; ref?: string } {
    let s = schema;
    let ref: string | undefined;
    for (let i = 0; i < 5; i++) {
      const target = (s.$ref as string | undefined) ?? ((s.allOf as Schema[] | undefined)?.[0]?.$ref as string | undefined);
      if (!target) break;
      ref = target.slice(REF_PREFIX.length);
      s = this.schemas[ref] ?? {};
    }
    return { schema: s, ref };
  }
}

interface Segment {
  parent: Segment | undefined;
  key: string | number;
  /** Rendered as `[key]` (list index or map key) rather than `.key`. */
  index: boolean;
}

function render(segment: Segment | undefined): string {
  let out = "";
  for (let s = segment; s; s = s.parent) out = (s.index ? `[${s.key}]` : s.parent ? `.${s.key}` : String(s.key)) + out;
  return out;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function goName(schema: Schema | undefined): string {
  if (!schema) return "interface {}";
  const ref = (schema.$ref as string | undefined) ?? ((schema.allOf as Schema[] | undefined)?.[0]?.$ref as string | undefined);
  if (ref) return `v1.${ref.split(".").pop()}`;
  return schema.type === "integer" ? "int32" : schema.type === "boolean" ? "bool" : String(schema.type ?? "interface {}");
}

/** Upstream's strict-decoding message for unknown fields. */
export function strictDecodingError(kind: string, version: string, unknown: string[]): StatusError {
  const list = unknown.map((f) => `unknown field "${f}"`).join(", ");
  return new StatusError(400, "BadRequest", `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${list}`);
}
