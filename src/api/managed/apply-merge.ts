import { cloneJson, isPlainObject, type JsonObject } from "../types.js";
import { elements, keyElement, valueElement, type FieldSet } from "./field-set.js";
import { UNTYPED, type MergeType } from "./merge-type.js";

/**
 * An applied configuration merged into the live object (upstream's structured merge): structs and maps
 * field by field, a list-map element by element (matched by its keys; a new element goes last), a set as
 * the union, anything atomic (a scalar, an atomic list, struct or map) replaced by the configuration's.
 * Neither input is changed.
 */
export function mergeApplied(live: unknown, config: unknown, type: MergeType): unknown {
  if (config === undefined) return cloneJson(live);
  if (isPlainObject(config) && isPlainObject(live) && type.kind !== "scalar" && type.kind !== "list" && !type.atomic) {
    const out: JsonObject = { ...live };
    for (const k in config) {
      const v = config[k];
      if (v === null || v === undefined) continue;
      out[k] = mergeApplied(live[k], v, type.field(k) ?? UNTYPED);
    }
    return out;
  }
  if (Array.isArray(config) && Array.isArray(live) && type.list && type.list.listType !== "atomic") {
    if (type.list.listType === "set") {
      const have = new Set(live.map(valueElement));
      return [...live, ...config.filter((v) => !have.has(valueElement(v)))];
    }
    const keys = type.list.keys ?? [];
    const out = [...live];
    const at = new Map<string, number>();
    out.forEach((v, i) => {
      const pe = keyElement(v, keys);
      if (pe) at.set(pe, i);
    });
    for (const v of config) {
      const pe = keyElement(v, keys);
      const i = pe === undefined ? undefined : at.get(pe);
      if (i === undefined) {
        if (pe) at.set(pe, out.length);
        out.push(cloneJson(v));
      } else {
        out[i] = mergeApplied(out[i], v, type.element());
      }
    }
    return out;
  }
  return cloneJson(config);
}

/**
 * Removes the fields at `paths` from `obj` (in place): a field, a list-map element, a set element. A map or
 * list left empty by a removal goes too, as Go's `omitempty` drops it.
 */
export function removeFields(obj: JsonObject, paths: FieldSet, type: MergeType): void {
  for (const path of paths) removePath(obj, elements(path), type);
}

function removePath(container: unknown, pes: string[], type: MergeType): boolean {
  const [pe, ...rest] = pes;
  if (pe === undefined) return false;
  if (pe.startsWith("f:") && isPlainObject(container)) {
    const name = pe.slice(2);
    if (!(name in container)) return false;
    if (rest.length === 0) {
      delete container[name];
      return true;
    }
    const childType = type.field(name) ?? UNTYPED;
    const removed = removePath(container[name], rest, childType);
    const v = container[name];
    if (removed && ((Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0 && childType.kind !== "struct"))) delete container[name];
    return removed;
  }
  if (!Array.isArray(container)) return false;
  let index = -1;
  if (pe.startsWith("k:")) index = container.findIndex((v) => keyElement(v, type.list?.keys ?? []) === pe);
  else if (pe.startsWith("v:")) index = container.findIndex((v) => valueElement(v) === pe);
  else if (pe.startsWith("i:")) index = Number(pe.slice(2));
  if (index < 0 || index >= container.length) return false;
  if (rest.length === 0) {
    container.splice(index, 1);
    return true;
  }
  return removePath(container[index], rest, type.element());
}
