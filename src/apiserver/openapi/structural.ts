import { StatusError } from "../../api/errors.js";
import { required, type FieldError } from "../../api/field-errors.js";
import { Quantity, QUANTITY_FORMAT_ERROR } from "../../api/quantity.js";
import { isPlainObject } from "../../api/types.js";
import type { Schema, SchemaMap } from "./document.js";

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
/** Embedded objects of any kind (a ControllerRevision's data): kept as they are. */
const RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension";
const REF_PREFIX = "#/components/schemas/";

export interface ShapeReport {
  /** Fields the schema doesn't know, as dotted paths; they have been removed from the object. */
  unknown: string[];
  /** A `null` object in a list (`spec.containers: [null]`): Required, for the caller's 422. */
  errors: FieldError[];
}

/** The range of each integer format, as Go's int32 and int64 (an int64 beyond 2^53 has already lost digits in JSON.parse). */
const INTEGER_RANGE: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63],
};

/**
 * Decodes a JSON object against a kind's schema the way upstream decodes into its Go types: a value of
 * the wrong JSON type, an integer beyond its format (int32, int64) or a malformed quantity is a 400 naming
 * the field; quantities are rewritten in canonical form (`1000m` → `1`); unknown fields are pruned and
 * reported (the caller turns them into a strict-decoding error or a warning); nulls are dropped, as Go's
 * zero values would be. A `null` in a list of scalars becomes the zero value as in Go; in a list of
 * objects it is reported in `errors` (Go's zero struct would fail validation, or worse, pass it).
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
    const errors: FieldError[] = [];
    const fail = (what: string, field: string, goType: string): never => {
      throw new StatusError(400, "BadRequest", `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${what} into Go struct field ${field} of type ${goType}`);
    };
    // Paths are linked segments, rendered only when a field is reported: the walk runs on every write.
    // Returns the value to keep when it differs from the one given (a canonical quantity).
    const walk = (value: unknown, schemaIn: Schema, path: Segment | undefined, owner: string): unknown => {
      const { schema, ref } = this.resolve(schemaIn);
      const at = () => `${owner}.${render(path)}`;
      if (ref === RAW_EXTENSION) return value;
      if (ref === QUANTITY || schema.format === "quantity") {
        if (typeof value !== "string" && typeof value !== "number") fail(jsonType(value), at(), "resource.Quantity");
        let q: Quantity;
        try {
          q = Quantity.parse(value as string | number);
        } catch {
          throw new StatusError(400, "BadRequest", `${kind} in version "${version}" cannot be handled as a ${kind}: ${QUANTITY_FORMAT_ERROR}`);
        }
        return q.toString();
      }
      if (isIntOrString(schema)) {
        if (typeof value !== "string" && typeof value !== "number") fail(jsonType(value), at(), "intstr.IntOrString");
        if (typeof value === "number") checkInteger(value, "int32", at);
        return value;
      }
      switch (schema.type as string | undefined) {
        case "string":
          if (typeof value !== "string") fail(jsonType(value), at(), "string");
          return value;
        case "integer":
          if (typeof value !== "number") fail(jsonType(value), at(), (schema.format as string | undefined) ?? "int32");
          checkInteger(value as number, (schema.format as string | undefined) ?? "int32", at);
          return value;
        case "number":
          if (typeof value !== "number") fail(jsonType(value), at(), "float64");
          return value;
        case "boolean":
          if (typeof value !== "boolean") fail(jsonType(value), at(), "bool");
          return value;
        case "array": {
          if (!Array.isArray(value)) fail(jsonType(value), at(), "[]" + goName(schema.items as Schema));
          const items = schema.items as Schema;
          const list = value as unknown[];
          for (let i = 0; i < list.length; i++) {
            const segment: Segment = { parent: path, key: i, index: true };
            if (list[i] === null) {
              const zero = this.zeroOf(items);
              if (zero === undefined) errors.push(required(render(segment)));
              else list[i] = zero;
              continue;
            }
            const kept = walk(list[i], items, segment, owner);
            if (kept !== list[i]) list[i] = kept;
          }
          return value;
        }
        case "object": {
          const properties = schema.properties as Record<string, Schema> | undefined;
          const additional = schema.additionalProperties as Schema | undefined;
          if (!properties && !additional) return value; // opaque (RawExtension, FieldsV1): anything goes
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
            const kept = walk(child, childSchema, segment, ref ? childOwner : owner);
            if (kept !== child) o[key] = kept;
          }
          return value;
        }
        default:
          return value;
      }
    };
    // Go's json refuses a fraction or a value beyond the field's size: `number 2147483648` into int32.
    const checkInteger = (n: number, format: string, at: () => string) => {
      const [min, max] = INTEGER_RANGE[format] ?? INTEGER_RANGE.int32!;
      if (!Number.isInteger(n) || n < min || n > max) fail(`number ${n}`, at(), format);
    };
    walk(obj, { $ref: REF_PREFIX + definition }, undefined, kind);
    return { unknown, errors };
  }

  /** Go's zero value for a list element of this schema, or undefined for an object (or list) element. */
  private zeroOf(items: Schema): unknown {
    const { schema, ref } = this.resolve(items);
    if (ref === QUANTITY || schema.format === "quantity") return "0";
    if (isIntOrString(schema)) return 0;
    switch (schema.type as string | undefined) {
      case "string":
        return "";
      case "integer":
      case "number":
        return 0;
      case "boolean":
        return false;
      default:
        return undefined;
    }
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

/** IntOrString: upstream's definition says `format: int-or-string`; a structural schema says `x-kubernetes-int-or-string`. */
function isIntOrString(schema: Schema): boolean {
  return schema["x-kubernetes-int-or-string"] === true || schema.format === "int-or-string";
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
  if (schema.type === "integer") return (schema.format as string | undefined) ?? "int32";
  return schema.type === "boolean" ? "bool" : schema.type === "number" ? "float64" : String(schema.type ?? "interface {}");
}

/** Upstream's strict-decoding message for a body's errors (`unknown field "spec.x"`, `duplicate field "spec.y"`…), in order. */
export function strictDecodingError(kind: string, version: string, errors: string[]): StatusError {
  return new StatusError(400, "BadRequest", `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${errors.join(", ")}`);
}
