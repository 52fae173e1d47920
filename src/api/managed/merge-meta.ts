/**
 * How a list merges, as the one description of the 1.32 built-in types says it: upstream's published
 * OpenAPI, vendored in openapi/ and turned into the schemas the server publishes by the build
 * (scripts/gen-openapi.mjs). Strategic merge patch and server-side apply both read these markers from
 * those schemas (through MergeTypes), as upstream's both read its Go types' markers: a list's
 * `x-kubernetes-list-type` (atomic, set, or map keyed by `x-kubernetes-list-map-keys`), its strategic-merge
 * `x-kubernetes-patch-strategy`/`-patch-merge-key`; structs and maps marked `x-kubernetes-map-type: atomic`.
 */
export interface ListSemantics {
  listType: "atomic" | "set" | "map";
  /** The fields that identify an element of a `map` list, in upstream's order. */
  keys?: string[];
  /** Strategic merge patch: `merge` (or `merge,retainKeys`); absent: the list is replaced. */
  patchStrategy?: string;
  /** Strategic merge patch: the field elements are matched by (one field, even where apply's keys are two). */
  patchMergeKey?: string;
}

/**
 * A list's semantics from its schema's markers; undefined when it has none (atomic for apply, replaced
 * whole by a strategic merge patch). Where the schema gives only the strategic-merge markers, apply reads
 * them as upstream does: a merge key makes a list-map keyed by it, a merge without one a set.
 */
export function listSemanticsOf(schema: Readonly<Record<string, unknown>>): ListSemantics | undefined {
  const listType = schema["x-kubernetes-list-type"] as ListSemantics["listType"] | undefined;
  const patchStrategy = schema["x-kubernetes-patch-strategy"] as string | undefined;
  const patchMergeKey = schema["x-kubernetes-patch-merge-key"] as string | undefined;
  if (!listType && !patchStrategy) return undefined;
  const out: ListSemantics = { listType: listType ?? (patchMergeKey ? "map" : patchStrategy ? "set" : "atomic") };
  const keys = (schema["x-kubernetes-list-map-keys"] as string[] | undefined) ?? (out.listType === "map" && patchMergeKey ? [patchMergeKey] : undefined);
  if (keys) out.keys = [...keys];
  if (patchStrategy) out.patchStrategy = patchStrategy;
  if (patchMergeKey) out.patchMergeKey = patchMergeKey;
  return out;
}

/**
 * Key fields upstream's schema defaults, so an element may leave them out (a port's protocol is TCP: the
 * `+default="TCP"` of ContainerPort and ServicePort, which the published v2 OpenAPI doesn't carry).
 */
export const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: "TCP" };
