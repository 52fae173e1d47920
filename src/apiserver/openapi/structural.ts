import { StatusError } from "../../api/errors.js";
import { isPlainObject } from "../../api/types.js";
import type { Schema, SchemaMap } from "./document.js";

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
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
  constructor(private readonly schemas: SchemaMap) {}

  has(definition: string): boolean {
    return this.schemas[definition] !== undefined;
  }

  decode(obj: Record<string, unknown>, definition: string, kind: string, version: string): ShapeReport {
    const unknown: string[] = [];
    const fail = (what: string, field: string, goType: string): never => {
      throw new StatusError(400, "BadRequest", `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${what} into Go struct field ${field} of type ${goType}`);
    };
    const walk = (value: unknown, schemaIn: Schema, name: string, path: string, owner: string): void => {
      const { schema, ref } = this.resolve(schemaIn);
      if (ref === QUANTITY) {
        if (typeof value !== "string" && typeof value !== "number") fail(jsonType(value), `${owner}.${path}`, "resource.Quantity");
        return;
      }
      const type = schema.type as string | undefined;
      if (schema["x-kubernetes-int-or-string"]) {
        if (typeof value !== "string" && typeof value !== "number") fail(jsonType(value), `${owner}.${path}`, "intstr.IntOrString");
        return;
      }
      switch (type) {
        case "string":
          if (typeof value !== "string") fail(jsonType(value), `${owner}.${path}`, "string");
          return;
        case "integer":
        case "number":
          if (typeof value !== "number") fail(jsonType(value), `${owner}.${path}`, type === "integer" ? "int32" : "float64");
          return;
        case "boolean":
          if (typeof value !== "boolean") fail(jsonType(value), `${owner}.${path}`, "bool");
          return;
        case "array": {
          if (!Array.isArray(value)) fail(jsonType(value), `${owner}.${path}`, "[]" + goName(schema.items as Schema));
          const items = schema.items as Schema;
          (value as unknown[]).forEach((item, i) => {
            if (item === null) return;
            walk(item, items, name, `${path}[${i}]`, owner);
          });
          return;
        }
        case "object": {
          const properties = schema.properties as Record<string, Schema> | undefined;
          const additional = schema.additionalProperties as Schema | undefined;
          if (!properties && !additional) return; // opaque (RawExtension, FieldsV1): anything goes
          if (!isPlainObject(value)) fail(jsonType(value), `${owner}.${path}`, ref ? `v1.${ref.split(".").pop()}` : "map[string]string");
          const o = value as Record<string, unknown>;
          const childOwner = ref ? ref.split(".").pop()! : owner;
          for (const [key, child] of Object.entries(o)) {
            const childPath = path ? `${path}.${key}` : key;
            if (child === null) {
              delete o[key];
              continue;
            }
            const childSchema = properties ? properties[key] : additional;
            if (!childSchema) {
              unknown.push(childPath);
              delete o[key];
              continue;
            }
            walk(child, childSchema, key, properties ? childPath : `${path}[${key}]`, ref ? childOwner : owner);
          }
          return;
        }
        default:
          return;
      }
    };
    walk(obj, { $ref: REF_PREFIX + definition }, "", "", kind);
    return { unknown };
  }

  private resolve(schema: Schema): { schema: Schema; ref?: string } {
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
