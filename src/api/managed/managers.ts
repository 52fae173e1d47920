import { isPlainObject, type JsonObject } from "../types.js";
import { decodeFieldsV1, elements, encodeFieldsV1, type FieldSet } from "./field-set.js";

/** metadata.managedFields[i] (meta/v1 ManagedFieldsEntry). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

/**
 * One manager's fields. `set` is decoded from the entry only when first read (most writes touch one
 * manager's fields and only look others up, which `ownsPath` does on the encoded entry); assigning it
 * marks the entry for re-encoding.
 */
export interface Manager {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource: string;
  time?: string;
  set: FieldSet;
  /** The entry as read; its fieldsV1 is reused while `set` is not reassigned. */
  original?: ManagedFieldsEntry;
  /** `set` was reassigned since the entry was read. */
  dirty?: boolean;
}

/** True when the manager owns `path`, without decoding a set not decoded yet. */
export function ownsPath(m: Manager, path: string): boolean {
  const decoded = (m as { decoded?: FieldSet }).decoded;
  if (decoded || !m.original || m.dirty) return m.set.has(path);
  let node: unknown = m.original.fieldsV1;
  const pes = elements(path);
  for (const pe of pes) {
    if (!isPlainObject(node) || !(pe in node)) return false;
    node = node[pe];
  }
  return isPlainObject(node) && (Object.keys(node).length === 0 || "." in node);
}

function lazyManager(base: Omit<Manager, "set">, entry: ManagedFieldsEntry, eager: boolean): Manager {
  const m = base as Manager & { decoded?: FieldSet };
  if (eager) m.decoded = decodeFieldsV1(entry.fieldsV1 ?? {});
  Object.defineProperty(m, "set", {
    enumerable: true,
    get: () => (m.decoded ??= decodeFieldsV1(entry.fieldsV1 ?? {})),
    set: (v: FieldSet) => {
      m.decoded = v;
      m.dirty = true;
    },
  });
  return m;
}

/** Upstream's DefaultMaxUpdateManagers: beyond this many Update entries, the oldest merge into one. */
export const MAX_UPDATE_MANAGERS = 10;
/** The manager the oldest Update entries are merged into (upstream's capManagers bucket). */
export const ANCIENT_CHANGES = "ancient-changes";

/**
 * Who a manager is (upstream's BuildManagerIdentifier): the name, operation and subresource, and for an
 * Update the API version (an applier is the same manager whichever version it applies in).
 */
export function managerId(m: Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">): string {
  return JSON.stringify([m.manager, m.operation, m.operation === "Apply" ? "" : m.apiVersion, m.subresource]);
}

/**
 * Decodes metadata.managedFields; throws an Error saying what is malformed. `trusted`: the list was read
 * from storage (already checked), so each entry's fields are decoded only when needed.
 */
export function decodeManagers(list: unknown, trusted = false): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new Error("managedFields must be a list");
  for (const entry of list) {
    if (!isPlainObject(entry)) throw new Error("a managedFields entry must be an object");
    const e = entry as unknown as ManagedFieldsEntry;
    if (e.operation !== "Apply" && e.operation !== "Update") throw new Error(`unknown operation ${JSON.stringify(e.operation)}`);
    if (e.fieldsType !== undefined && e.fieldsType !== "FieldsV1") throw new Error(`unknown fieldsType ${JSON.stringify(e.fieldsType)}`);
    const base: Omit<Manager, "set"> = {
      manager: typeof e.manager === "string" ? e.manager : "", operation: e.operation, apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      subresource: typeof e.subresource === "string" ? e.subresource : "", original: e,
    };
    if (typeof e.time === "string") base.time = e.time;
    const m = lazyManager(base, e, !trusted);
    const id = managerId(m);
    const prev = out.get(id);
    if (prev) prev.set = new Set([...prev.set, ...m.set]);
    else out.set(id, m);
  }
  return out;
}

/**
 * The managers as metadata.managedFields, in upstream's order (appliers first, then by time, manager,
 * API version, subresource). Update managers with no fields left are dropped; beyond
 * MAX_UPDATE_MANAGERS Update entries, the oldest are merged into `ancient-changes`.
 */
export function encodeManagers(managers: Map<string, Manager>): ManagedFieldsEntry[] {
  let list = [...managers.values()].filter((m) => m.operation === "Apply" || !m.dirty || m.set.size > 0);
  list = capUpdateManagers(list);
  list.sort((a, b) => {
    if (a.operation !== b.operation) return a.operation < b.operation ? -1 : 1;
    const at = seconds(a.time);
    const bt = seconds(b.time);
    if (at !== bt) return at - bt;
    return a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : a.apiVersion < b.apiVersion ? -1 : a.apiVersion > b.apiVersion ? 1 : a.subresource < b.subresource ? -1 : a.subresource > b.subresource ? 1 : 0;
  });
  return list.map((m) => {
    const reuse = m.original && !m.dirty;
    if (reuse && m.original!.time === m.time && m.original!.apiVersion === m.apiVersion) return m.original!;
    const fieldsV1 = reuse ? m.original!.fieldsV1 : encodeFieldsV1(m.set);
    const e: ManagedFieldsEntry = m.time === undefined
      ? { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, fieldsType: "FieldsV1", fieldsV1 }
      : { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, time: m.time, fieldsType: "FieldsV1", fieldsV1 };
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

function capUpdateManagers(list: Manager[]): Manager[] {
  const updates = list.filter((m) => m.operation === "Update");
  if (updates.length <= MAX_UPDATE_MANAGERS) return list;
  const oldest = [...updates].sort((a, b) => seconds(a.time) - seconds(b.time)).slice(0, updates.length - MAX_UPDATE_MANAGERS + 1);
  const gone = new Set(oldest);
  const existing = list.find((m) => m.operation === "Update" && m.manager === ANCIENT_CHANGES && !gone.has(m));
  const bucket: Manager = existing ?? { manager: ANCIENT_CHANGES, operation: "Update", apiVersion: oldest[oldest.length - 1]!.apiVersion, subresource: "", set: new Set() };
  bucket.set = new Set([...bucket.set, ...oldest.flatMap((m) => [...m.set])]);
  bucket.time = oldest[oldest.length - 1]!.time;
  if (existing) return list.filter((m) => !gone.has(m));
  return [...list.filter((m) => !gone.has(m)), bucket];
}

function seconds(time: string | undefined): number {
  return time ? Math.floor(Date.parse(time) / 1000) || 0 : 0;
}
