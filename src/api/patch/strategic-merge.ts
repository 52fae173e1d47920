import { StatusError } from "../errors.js";
import { isPlainObject, type JsonObject } from "../types.js";
import { listMeta } from "./patch-meta.js";

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVES = "$deleteFromPrimitiveList/";

/**
 * Strategic merge patch as upstream applies it: maps merge, lists with a merge key merge element by element,
 * and the directives `$patch` (replace/delete/merge), `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>` are honoured and never stored.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw new StatusError(400, "BadRequest", "the body of a strategic merge patch must be an object");
  return mergeMap(isPlainObject(target) ? target : {}, patch, []);
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject | undefined {
  const directive = patch["$patch"];
  if (directive === "replace") return stripDirectives(patch) as JsonObject;
  if (directive === "delete") return undefined;
  if (directive !== undefined && directive !== "merge") throw badDirective(directive);

  let result: JsonObject = { ...original };
  const retain = patch["$retainKeys"];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  const orders: Array<[string, unknown[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys") continue;
    if (key.startsWith(SET_ORDER)) {
      if (Array.isArray(value)) orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_PRIMITIVES)) {
      const field = key.slice(DELETE_PRIMITIVES.length);
      const drop = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
      const list = result[field];
      if (Array.isArray(list)) result[field] = list.filter((v) => !drop.has(JSON.stringify(v)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(result[key]) ? (result[key] as JsonObject) : {}, value, childPath);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(result[key]) ? (result[key] as unknown[]) : [], value, childPath);
    } else {
      result[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list)) result[field] = applyOrder(list, order, listMeta([...path, field]).mergeKey);
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
  const replaceAll = patch.some((e) => isPlainObject(e) && e["$patch"] === "replace");
  if (replaceAll) return patch.filter((e) => !(isPlainObject(e) && e["$patch"] === "replace")).map(stripDirectives);
  const meta = listMeta(path);
  if (meta.mergePrimitives) {
    const seen = new Set(original.map((v) => JSON.stringify(v)));
    return [...original, ...patch.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  const key = meta.mergeKey;
  if (!key || !patch.every(isPlainObject)) return patch.map(stripDirectives);

  const result = [...original];
  for (const element of patch as JsonObject[]) {
    const id = element[key];
    const at = result.findIndex((o) => isPlainObject(o) && o[key] === id);
    if (element["$patch"] === "delete") {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) {
      const merged = mergeMap(result[at] as JsonObject, element, path);
      if (merged === undefined) result.splice(at, 1);
      else result[at] = merged;
    } else {
      result.push(stripDirectives(element));
    }
  }
  return result;
}

/** Orders a merged list by `$setElementOrder`: listed elements first, in that order, then the rest. */
function applyOrder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const idOf = (v: unknown) => JSON.stringify(mergeKey && isPlainObject(v) ? v[mergeKey] : v);
  const rank = new Map(order.map((o, i) => [idOf(o), i]));
  const listed = list.filter((v) => rank.has(idOf(v))).sort((a, b) => rank.get(idOf(a))! - rank.get(idOf(b))!);
  return [...listed, ...list.filter((v) => !rank.has(idOf(v)))];
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

function badDirective(directive: unknown): StatusError {
  return new StatusError(400, "BadRequest", `Unknown patch type: ${JSON.stringify(directive)}`);
}
