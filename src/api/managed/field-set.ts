import { isPlainObject, type JsonObject } from "../types.js";
import { KEY_DEFAULTS } from "./merge-meta.js";
import { UNTYPED, type MergeType } from "./merge-type.js";

/**
 * A set of field paths (upstream's fieldpath.Set): each path is its elements joined by a newline, an element
 * in the FieldsV1 spelling — `f:<field>`, `k:<the key fields of a list-map element as JSON>`, `v:<a set
 * element as JSON>`, `i:<index>`. A path is in the set when the field it names is owned: a scalar, an
 * atomic value, an empty struct or map, or a list element (whose fields are paths below it).
 */
export type FieldSet = Set<string>;

const SEP = "\n";

export function child(path: string, element: string): string {
  return path === "" ? element : path + SEP + element;
}

/** The elements of a path. */
export function elements(path: string): string[] {
  return path === "" ? [] : path.split(SEP);
}

/** `k:{"name":"app"}` for a list-map element (key fields in name order, defaulted ones filled in), or undefined if a key is missing. */
export function keyElement(element: unknown, keys: readonly string[]): string | undefined {
  if (!isPlainObject(element)) return undefined;
  const key: JsonObject = {};
  for (const k of [...keys].sort()) {
    const v = element[k] ?? KEY_DEFAULTS[k];
    if (v === undefined) return undefined;
    key[k] = v;
  }
  return `k:${JSON.stringify(key)}`;
}

export function valueElement(v: unknown): string {
  return `v:${JSON.stringify(v)}`;
}

/**
 * The fields of a value (upstream's TypedValue.ToFieldSet), below `prefix`, added to `out`. A map-list
 * element without its keys is owned as a whole by index, as upstream's deduced types do.
 */
export function toFieldSet(value: unknown, type: MergeType, prefix = "", out: FieldSet = new Set()): FieldSet {
  if (isPlainObject(value) && type.kind !== "scalar" && type.kind !== "list" && !type.atomic) {
    let any = false;
    for (const k in value) {
      if (value[k] === null || value[k] === undefined) continue;
      any = true;
      toFieldSet(value[k], type.field(k) ?? UNTYPED, child(prefix, `f:${k}`), out);
    }
    if (!any && prefix !== "") out.add(prefix);
    return out;
  }
  if (Array.isArray(value) && type.list && type.list.listType !== "atomic") {
    value.forEach((v, i) => elementFields(v, i, type, prefix, out));
    if (value.length === 0) out.add(prefix);
    return out;
  }
  if (prefix !== "") out.add(prefix);
  return out;
}

/** The fields of element `i` of a set or map list at `prefix`. */
function elementFields(v: unknown, i: number, type: MergeType, prefix: string, out: FieldSet): void {
  if (type.list!.listType === "set") {
    out.add(child(prefix, valueElement(v)));
    return;
  }
  const pe = keyElement(v, type.list!.keys ?? []);
  const at = child(prefix, pe ?? `i:${i}`);
  out.add(at);
  const element = type.element();
  if (pe && isPlainObject(v) && !element.atomic) {
    for (const k in v) if (v[k] !== null && v[k] !== undefined) toFieldSet(v[k], element.field(k) ?? UNTYPED, child(at, `f:${k}`), out);
  }
}

/**
 * The fields `next` adds or changes against `prev` (upstream's Comparison: Added ∪ Modified), where an
 * atomic value that differs at all counts as one changed field; with `removed`, the fields `next` no
 * longer has are collected there (a removed struct or element once, not its fields).
 */
export function changedFields(prev: unknown, next: unknown, type: MergeType, prefix = "", out: FieldSet = new Set(), removed?: FieldSet): FieldSet {
  if (prev === undefined || prev === null) return toFieldSet(next, type, prefix, out);
  if (isPlainObject(next) && isPlainObject(prev) && type.kind !== "scalar" && type.kind !== "list" && !type.atomic) {
    let any = false;
    for (const k in next) {
      if (next[k] === null || next[k] === undefined) continue;
      any = true;
      if (prev[k] !== next[k]) changedFields(prev[k], next[k], type.field(k) ?? UNTYPED, child(prefix, `f:${k}`), out, removed);
    }
    if (removed) for (const k in prev) if ((next[k] === undefined || next[k] === null) && prev[k] !== null && prev[k] !== undefined) removed.add(child(prefix, `f:${k}`));
    if (!any && prefix !== "" && Object.keys(prev).length > 0) out.add(prefix);
    return out;
  }
  if (Array.isArray(next) && Array.isArray(prev) && type.list && type.list.listType !== "atomic") {
    if (type.list.listType === "set") {
      const had = new Set(prev.map(valueElement));
      for (const v of next) if (!had.delete(valueElement(v))) out.add(child(prefix, valueElement(v)));
      if (removed) for (const pe of had) removed.add(child(prefix, pe));
      return out;
    }
    const keys = type.list.keys ?? [];
    const before = new Map<string, unknown>();
    prev.forEach((v, i) => before.set(keyElement(v, keys) ?? `i:${i}`, v));
    const element = type.element();
    next.forEach((v, i) => {
      const pe = keyElement(v, keys) ?? `i:${i}`;
      const at = child(prefix, pe);
      const old = before.get(pe);
      before.delete(pe);
      if (old === undefined) elementFields(v, i, type, prefix, out);
      else if (!pe.startsWith("k:") || element.atomic || !isPlainObject(v)) {
        if (!sameJson(old, v)) out.add(at);
      } else {
        changedFields(old, v, element, at, out, removed);
      }
    });
    if (removed) for (const pe of before.keys()) removed.add(child(prefix, pe));
    return out;
  }
  if (!sameJson(prev, next)) out.add(prefix);
  return out;
}

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    return a.length === bl.length && a.every((v, i) => sameJson(v, bl[i]));
  }
  const ak = Object.keys(a);
  const bo = b as JsonObject;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => k in bo && sameJson((a as JsonObject)[k], bo[k]));
}

/** True when `path` or one of its ancestors is in `set`. */
export function coveredBy(path: string, set: FieldSet): boolean {
  if (set.has(path)) return true;
  for (let at = path.indexOf(SEP); at > 0; at = path.indexOf(SEP, at + 1)) if (set.has(path.slice(0, at))) return true;
  return false;
}

/** The paths of `set` that are in `other` too. */
export function intersect(set: FieldSet, other: FieldSet): FieldSet {
  const out: FieldSet = new Set();
  for (const p of set) if (other.has(p)) out.add(p);
  return out;
}

/** The paths of `set` not in `other`. */
export function difference(set: FieldSet, other: FieldSet): FieldSet {
  const out: FieldSet = new Set();
  for (const p of set) if (!other.has(p)) out.add(p);
  return out;
}

export function union(...sets: FieldSet[]): FieldSet {
  const out: FieldSet = new Set();
  for (const s of sets) for (const p of s) out.add(p);
  return out;
}

/** A set in the FieldsV1 encoding: nested `{"f:spec": {"f:replicas": {}}}`, `"."` marking a member that has children. */
export function encodeFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  const members = new Set<JsonObject>();
  for (const path of set) {
    let node = root;
    for (const pe of elements(path)) node = (node[pe] ??= {}) as JsonObject;
    members.add(node);
  }
  return sortedTree(root, members);
}

/** The tree with its keys in order (upstream's: `.` first, then the path elements as strings sort). */
function sortedTree(node: JsonObject, members: Set<JsonObject>): JsonObject {
  const keys = Object.keys(node);
  const out: JsonObject = {};
  if (keys.length === 0) return out;
  if (members.has(node)) out["."] = {};
  if (keys.length > 1) keys.sort();
  for (const k of keys) out[k] = sortedTree(node[k] as JsonObject, members);
  return out;
}

/** A FieldsV1 object as a set; throws on a malformed one. */
export function decodeFieldsV1(fields: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: string) => {
    if (!isPlainObject(node)) throw new Error("fieldsV1 must be an object");
    const keys = Object.keys(node);
    if (keys.length === 0 && path !== "") out.add(path);
    for (const k of keys) {
      if (k === ".") {
        out.add(path);
        continue;
      }
      if (!/^[fkvi]:/.test(k)) throw new Error(`unexpected path element ${JSON.stringify(k)}`);
      walk(node[k], child(path, k));
    }
  };
  walk(fields, "");
  return out;
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="app"].image`, `.metadata.finalizers[="x"]`. */
export function renderPath(path: string): string {
  let out = "";
  for (const pe of elements(path)) {
    const body = pe.slice(2);
    if (pe.startsWith("f:")) out += `.${body}`;
    else if (pe.startsWith("k:")) {
      const key = JSON.parse(body) as JsonObject;
      out += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
    } else if (pe.startsWith("v:")) out += `[=${body}]`;
    else out += `[${body}]`;
  }
  return out;
}

/**
 * toFieldSet encoded as FieldsV1 in one walk (a create's fields: the whole object), with the keys in the
 * order encodeFieldsV1 gives them.
 */
export function toFieldsV1(value: unknown, type: MergeType): JsonObject {
  const node: JsonObject = {};
  fillFields(value, type, node);
  return node;
}

function fillFields(value: unknown, type: MergeType, node: JsonObject): void {
  if (isPlainObject(value) && type.kind !== "scalar" && type.kind !== "list" && !type.atomic) {
    for (const k of Object.keys(value).sort()) {
      if (value[k] === null || value[k] === undefined) continue;
      const childNode: JsonObject = {};
      fillFields(value[k], type.field(k) ?? UNTYPED, childNode);
      node[`f:${k}`] = childNode;
    }
    return;
  }
  if (Array.isArray(value) && type.list && type.list.listType !== "atomic") {
    const entries: Array<[string, JsonObject]> = [];
    const element = type.element();
    value.forEach((v, i) => {
      if (type.list!.listType === "set") {
        entries.push([valueElement(v), {}]);
        return;
      }
      const pe = keyElement(v, type.list!.keys ?? []);
      const elementNode: JsonObject = {};
      if (pe && isPlainObject(v) && !element.atomic) {
        const fields: JsonObject = {};
        fillFields(v, element, fields);
        if (Object.keys(fields).length > 0) Object.assign(elementNode, { ".": {} }, fields);
      }
      entries.push([pe ?? `i:${i}`, elementNode]);
    });
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [pe, n] of entries) node[pe] = n;
  }
}
