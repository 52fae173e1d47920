import { listSemanticsOf, type ListSemantics } from "./merge-meta.js";

/**
 * What a merge needs to know of a value's type (upstream's structured-merge-diff schema): a struct or map
 * whose fields are merged one by one (or whole, when `atomic`), a list with its semantics, a scalar, or
 * `untyped` (no schema: maps merge field by field, lists are atomic — upstream's deduced type).
 */
export interface MergeType {
  readonly kind: "struct" | "map" | "list" | "scalar" | "untyped";
  /** Replaced and owned whole (an atomic struct or map; a list's atomicity is in `list`). */
  readonly atomic: boolean;
  /** A list's semantics; atomic when the schema says nothing. */
  readonly list?: ListSemantics;
  /** A field's type (struct, map, untyped); undefined for a field the schema doesn't know. */
  field(name: string): MergeType | undefined;
  /** A list's element type. */
  element(): MergeType;
}

type Schema = Record<string, unknown>;
const REF_PREFIX = "#/components/schemas/";
const ATOMIC_LIST: ListSemantics = { listType: "atomic" };

export const UNTYPED: MergeType = {
  kind: "untyped",
  atomic: false,
  list: ATOMIC_LIST,
  field: () => UNTYPED,
  element: () => UNTYPED,
};

/**
 * Merge types read from the OpenAPI schemas the server publishes (the `x-kubernetes-list-type`,
 * `-list-map-keys`, `-patch-strategy`, `-patch-merge-key` and `-map-type` markers), built lazily and once.
 */
export class MergeTypes {
  private readonly built = new Map<Schema, MergeType>();

  constructor(private readonly schemas: Record<string, Schema>) {}

  /** The type of a definition (`io.k8s.api.apps.v1.Deployment`); UNTYPED when there is no schema. */
  of(definition: string): MergeType {
    const schema = this.schemas[definition];
    return schema ? this.build(schema) : UNTYPED;
  }

  private build(property: Schema): MergeType {
    const cached = this.built.get(property);
    if (cached) return cached;
    const { schema, atomic: refAtomic } = this.follow(property);
    const atomic = refAtomic || property["x-kubernetes-map-type"] === "atomic" || schema["x-kubernetes-map-type"] === "atomic";
    let type: MergeType;
    if (schema.type === "array" && !schema["x-kubernetes-int-or-string"]) {
      const items = (schema.items ?? {}) as Schema;
      const list = listSemanticsOf(property) ?? listSemanticsOf(schema) ?? ATOMIC_LIST;
      let element: MergeType | undefined;
      type = { kind: "list", atomic: list.listType === "atomic", list, field: () => undefined, element: () => (element ??= this.build(items)) };
    } else if (schema.type === "object" || schema.properties || schema.additionalProperties) {
      const properties = schema.properties as Record<string, Schema> | undefined;
      const additional = schema.additionalProperties as Schema | undefined;
      if (!properties && !additional) {
        type = UNTYPED;
      } else {
        const fields = new Map<string, MergeType>();
        const field = (name: string): MergeType | undefined => {
          const s = properties ? properties[name] : additional;
          if (!s) return undefined;
          let t = fields.get(name);
          if (!t) fields.set(name, (t = this.build(s)));
          return t;
        };
        type = { kind: properties ? "struct" : "map", atomic, field, element: () => UNTYPED };
      }
    } else {
      type = { kind: "scalar", atomic: true, field: () => undefined, element: () => UNTYPED };
    }
    this.built.set(property, type);
    return type;
  }

  private follow(schema: Schema): { schema: Schema; atomic: boolean } {
    let s = schema;
    let atomic = false;
    for (let i = 0; i < 5; i++) {
      const target = (s.$ref as string | undefined) ?? ((s.allOf as Schema[] | undefined)?.[0]?.$ref as string | undefined);
      if (!target) break;
      s = this.schemas[target.slice(REF_PREFIX.length)] ?? {};
      if (s["x-kubernetes-map-type"] === "atomic") atomic = true;
    }
    return { schema: s, atomic };
  }
}
