import { StatusError } from "../errors.js";
import { isPlainObject, type JsonObject } from "../types.js";
import { UNTYPED, type MergeType } from "../managed/merge-type.js";

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVES = "$deleteFromPrimitiveList/";
const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";

/**
 * Strategic merge patch as upstream applies it (k8s.io/apimachinery/pkg/util/strategicpatch): maps merge;
 * a list with a merge key merges element by element, a list of scalars with the merge strategy is a set,
 * any other list is replaced. The directives `$patch` (replace, delete; merge is refused as upstream),
 * `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are honoured and never stored.
 *
 * Order of a merged list, as upstream's normalizeElementOrder: the patch's elements in the patch's order (or
 * `$setElementOrder`'s), the elements only the server has in their old order, and where an element of each
 * kind existed before, the older order between them. So a new element goes first: merging
 * `[{name: new}]` into `[{name: a}, {name: b}]` gives `[new, a, b]`; merging `[{name: b}]` keeps `[a, b]`.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, type: MergeType = UNTYPED): unknown {
  if (!isPlainObject(patch)) throw badRequest("the body of a strategic merge patch must be an object");
  return mergeMap(isPlainObject(target) ? target : {}, patch, type, []);
}

/** A list's strategic-merge metadata (upstream's patchStrategy and patchMergeKey, from the schema). */
function listMeta(type: MergeType | undefined): { mergeKey?: string; mergePrimitives?: boolean } {
  const list = type?.list;
  if (!list?.patchStrategy?.split(",").includes("merge")) return {};
  return list.patchMergeKey ? { mergeKey: list.patchMergeKey } : { mergePrimitives: true };
}

function mergeMap(original: JsonObject, patch: JsonObject, type: MergeType, path: string[]): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    // Upstream's handleDirectiveInMergeMap: replace takes the patch, delete leaves an empty map.
    if (directive === "replace") return stripDirectives(patch) as JsonObject;
    if (directive === "delete") return {};
    throw badRequest(`unknown patch type: ${String(directive)} in map: ${goMap(patch)}`);
  }
  let result: JsonObject = { ...original };
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === "string")) throw badRequest("invalid patch: $retainKeys must be a list of strings");
    const keep = new Set(retain);
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  const done = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    result[field] = orderedBySetElementOrder(result[field], patch[field], order, type.field(field) ?? UNTYPED, [...path, field]);
    if (result[field] === undefined) delete result[field];
    done.add(field);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || done.has(key)) continue;
    if (key.startsWith(DELETE_PRIMITIVES)) {
      const field = key.slice(DELETE_PRIMITIVES.length);
      if (!Array.isArray(value)) throw badRequest("invalid patch: $deleteFromPrimitiveList must be a list");
      const list = result[field];
      if (Array.isArray(list)) {
        const drop = new Set(value.map(identity));
        result[field] = list.filter((v) => !drop.has(identity(v)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    const childPath = [...path, key];
    const childType = type.field(key) ?? UNTYPED;
    if (isPlainObject(value) && isPlainObject(current)) result[key] = mergeMap(current, value, childType, childPath);
    else if (Array.isArray(value) && Array.isArray(current)) result[key] = mergeList(current, value, childType, childPath);
    else result[key] = stripDirectives(value);
  }
  return result;
}

/** Merges a list by its patch strategy (see the order rule above applyStrategicMergePatch). */
function mergeList(original: unknown[], patch: unknown[], type: MergeType, path: string[]): unknown[] {
  const meta = listMeta(type);
  if (!meta.mergeKey && !meta.mergePrimitives) return patch.map(stripDirectives);
  if (original.length === 0 && patch.length === 0) return original;
  if (meta.mergePrimitives || !meta.mergeKey) {
    if (patch.some((v) => typeof v === "object" && v !== null)) throw badRequest(`cannot merge a list of objects into ${path.join(".")}, a list of scalars`);
    const merged = dedupe([...original, ...patch]);
    const inPatch = new Set(patch.map(identity));
    return normalizeOrder(merged.filter((v) => inPatch.has(identity(v))), merged.filter((v) => !inPatch.has(identity(v))), patch, original, undefined);
  }
  const key = meta.mergeKey;
  let base = original;
  const elements: JsonObject[] = [];
  let replace = false;
  for (const element of patch) {
    if (!isPlainObject(element)) throw badRequest(`value for key ${path.join(".")} is not a map.`);
    const directive = element[DIRECTIVE];
    if (directive === undefined) {
      if (element[key] === undefined) throw noMergeKey(element, key);
      elements.push(element);
    } else if (directive === "delete") {
      if (element[key] === undefined) throw noMergeKey(element, key);
      base = base.filter((o) => !(isPlainObject(o) && identity(o[key]) === identity(element[key])));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      throw badRequest("merging lists cannot yet be specified in the patch");
    } else {
      throw badRequest(`unknown patch type: ${String(directive)} in map: ${goMap(element)}`);
    }
  }
  // An element `{$patch: replace}` replaces the whole list with the rest of the patch.
  if (replace) return elements.map(stripDirectives);
  const merged = [...base];
  for (const element of elements) {
    const at = merged.findIndex((o) => isPlainObject(o) && identity(o[key]) === identity(element[key]));
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, element, type.element(), path);
    else merged.push(stripDirectives(element));
  }
  const inPatch = new Set(elements.map((e) => identity(e[key])));
  const fromPatch = merged.filter((o) => inPatch.has(identity((o as JsonObject)[key])));
  const serverOnly = merged.filter((o) => !inPatch.has(identity((o as JsonObject)[key])));
  return normalizeOrder(fromPatch, serverOnly, elements, base, key);
}

/**
 * `$setElementOrder/<field>`: the list merged with the patch's, then its elements named in `order` in that
 * order, the others where the old order puts them (upstream's mergePatchIntoOriginal).
 */
function orderedBySetElementOrder(current: unknown, patchList: unknown, order: unknown, type: MergeType, path: string[]): unknown {
  if (!Array.isArray(order)) throw badRequest("invalid patch: $setElementOrder must be a list");
  if (patchList !== undefined && !Array.isArray(patchList)) throw badRequest("invalid patch: $setElementOrder must be a list");
  const original = Array.isArray(current) ? current : undefined;
  const key = listMeta(type).mergeKey;
  if (Array.isArray(patchList)) checkOrderMatchesPatch(patchList, order, key);
  let merged: unknown[];
  if (original && patchList) merged = mergeList(original, patchList as unknown[], type, path);
  else if (original) merged = original;
  else if (patchList) merged = (patchList as unknown[]).map(stripDirectives);
  else return current;
  const idOf = (v: unknown) => identity(key && isPlainObject(v) ? v[key] : v);
  const listed = new Set(order.map(idOf));
  const fromOrder = merged.filter((v) => listed.has(idOf(v)));
  const serverOnly = merged.filter((v) => !listed.has(idOf(v)));
  return normalizeOrder(fromOrder, serverOnly, order, original ?? [], key);
}

/** Upstream's validatePatchWithSetOrderList: the patch's elements appear in `$setElementOrder` in the same order. */
function checkOrderMatchesPatch(patchList: unknown[], order: unknown[], key: string | undefined): void {
  const idOf = (v: unknown) => identity(key && isPlainObject(v) ? v[key] : v);
  const elements = patchList.filter((v) => !(isPlainObject(v) && v[DIRECTIVE] !== undefined));
  let p = 0;
  for (let o = 0; p < elements.length && o < order.length; o++) if (idOf(elements[p]) === idOf(order[o])) p++;
  if (p < elements.length) throw badRequest(`The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ORDER} list:\n${JSON.stringify(order)}\n`);
}

/**
 * Upstream's normalizeElementOrder: `fromPatch` sorted by `patchOrder`, `serverOnly` by `serverOrder`, then
 * interleaved: a server-only element goes first only when both it and the next patch element were in the
 * server's list and it came first there; otherwise the patch element goes first.
 */
function normalizeOrder(fromPatch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], key: string | undefined): unknown[] {
  const idOf = (v: unknown) => identity(key && isPlainObject(v) ? v[key] : v);
  const indexIn = (list: unknown[]) => {
    const at = new Map<string, number>();
    list.forEach((v, i) => {
      if (!at.has(idOf(v))) at.set(idOf(v), i);
    });
    return (v: unknown) => at.get(idOf(v)) ?? -1;
  };
  const byPatch = indexIn(patchOrder);
  const byServer = indexIn(serverOrder);
  const sorted = (list: unknown[], index: (v: unknown) => number) =>
    list.map((v, i) => ({ v, i, at: index(v) })).sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i)).map((x) => x.v);
  const left = sorted(serverOnly, byServer);
  const right = sorted(fromPatch, byPatch);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = byServer(left[i]);
      const ri = byServer(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** How Go's `==` on decoded JSON values compares scalars (a merge key's value, a finalizer). */
function identity(v: unknown): string {
  return typeof v === "object" && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
}

function dedupe(list: unknown[]): unknown[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const id = identity(v);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) continue;
    if (v !== null) out[k] = stripDirectives(v);
  }
  return out;
}

/** Go's %v of a map, as upstream's patch errors print one: `map[$patch:merge name:x]`. */
function goMap(m: JsonObject): string {
  return `map[${Object.keys(m).sort().map((k) => `${k}:${typeof m[k] === "object" ? JSON.stringify(m[k]) : String(m[k])}`).join(" ")}]`;
}

function noMergeKey(element: JsonObject, key: string): StatusError {
  return badRequest(`map: ${goMap(element)} does not contain declared merge key: ${key}`);
}

function badRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}
