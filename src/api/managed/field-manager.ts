import { StatusError } from "../errors.js";
import { cloneJson, isPlainObject, type JsonObject, type KubeObject } from "../types.js";
import { mergeApplied, removeFields } from "./apply-merge.js";
import { changedFields, coveredBy, difference, intersect, renderPath, sameJson, toFieldSet, toFieldsV1, union, type FieldSet } from "./field-set.js";
import { LAST_APPLIED, syncLastApplied } from "./last-applied.js";
import { decodeManagers, encodeManagers, managerId, ownsPath, type Manager } from "./managers.js";
import type { MergeType } from "./merge-type.js";

/**
 * Upstream's field manager (k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager): who owns which field of
 * an object, kept in metadata.managedFields by every write.
 *
 * - An Update (create, update, any patch but apply) gives its manager the fields it added or changed and
 *   takes them from every other manager; a write that changes nothing changes no entry (nor its time).
 * - An Apply merges the configuration into the object, owns exactly the configuration's fields, fails with
 *   a 409 naming each field another manager owns and the configuration changes (unless forced, which takes
 *   them), and removes the fields it applied before and no longer does, when no one else owns them.
 * - Removed fields leave every manager's set.
 */
export interface WriteContext {
  manager: string;
  apiVersion: string;
  /** "status", "scale" for a subresource write; "" for the main resource. */
  subresource: string;
  type: MergeType;
  /** RFC 3339, seconds. */
  now: string;
  /** The kind keeps its status apart (a status subresource): main-resource writes don't own status, and status writes own only status. */
  statusApart: boolean;
}

/** Fields no manager owns (upstream's stripMeta): the object's identity and what the server keeps. */
const STRIPPED_META = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"];

function ownable(obj: KubeObject | undefined): JsonObject {
  if (!obj) return {};
  const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
  const meta: JsonObject = { ...(metadata as JsonObject) };
  for (const f of STRIPPED_META) delete meta[f];
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

/** What of an applied configuration the write may own: a status write owns status (and metadata), a main-resource write all but status. */
function scoped(view: JsonObject, ctx: WriteContext): JsonObject {
  if (!ctx.statusApart) return view;
  if (ctx.subresource === "status") return Object.fromEntries(Object.entries(view).filter(([k]) => k === "status" || k === "metadata"));
  const { status: _s, ...rest } = view;
  return rest;
}

/** The managers an Update starts from: the ones the request sets (a client may rewrite them), else the live object's. */
function baseManagers(live: KubeObject | undefined, next: KubeObject, ctx: WriteContext): Map<string, Manager> | undefined {
  const requested = next.metadata.managedFields as unknown;
  // `[{}]` is upstream's way to strip managedFields altogether.
  if (Array.isArray(requested) && requested.length === 1 && isPlainObject(requested[0]) && Object.keys(requested[0]).length === 0) return undefined;
  if (Array.isArray(requested) && requested.length > 0 && ctx.subresource === "") {
    try {
      // Most writes send back the managedFields they read: those need no checking.
      const unchanged = live !== undefined && (requested === live.metadata.managedFields || sameJson(requested, live.metadata.managedFields));
      return decodeManagers(requested, unchanged);
    } catch {
      // A malformed list falls back to the live object's, as upstream's DecodeLiveOrNew.
    }
  }
  try {
    return decodeManagers(live?.metadata.managedFields, true);
  } catch {
    return new Map();
  }
}

/** Records a create or update by `ctx.manager` in `next.metadata.managedFields` (upstream's Update operation). */
export function trackUpdate(live: KubeObject | undefined, next: KubeObject, ctx: WriteContext): void {
  const managers = baseManagers(live, next, ctx);
  if (!managers) {
    delete next.metadata.managedFields;
    return;
  }
  const after = ownable(next);
  if (!live && managers.size === 0) {
    // A create the request says nothing about: one entry with every field, encoded in one walk.
    const fieldsV1 = toFieldsV1(scoped(after, ctx), ctx.type);
    if (Object.keys(fieldsV1).length === 0) delete next.metadata.managedFields;
    else {
      const entry = { manager: ctx.manager, operation: "Update" as const, apiVersion: ctx.apiVersion, time: ctx.now, fieldsType: "FieldsV1" as const, fieldsV1 };
      next.metadata.managedFields = [ctx.subresource ? { ...entry, subresource: ctx.subresource } : entry] as NonNullable<KubeObject["metadata"]["managedFields"]>;
    }
    return;
  }
  const removed: FieldSet = new Set();
  const changed = live ? changedFields(ownable(live), after, ctx.type, "", new Set(), removed) : toFieldSet(scoped(after, ctx), ctx.type);
  prune(managers, removed);
  if (changed.size > 0) {
    const self = { manager: ctx.manager, operation: "Update" as const, apiVersion: ctx.apiVersion, subresource: ctx.subresource };
    const id = managerId(self);
    for (const [key, m] of managers) if (key !== id) takeFrom(m, changed);
    const mine = managers.get(id);
    if (mine && [...changed].some((p) => !ownsPath(mine, p))) mine.set = union(mine.set, changed);
    else managers.set(id, { ...self, set: changed });
    managers.get(id)!.time = ctx.now;
  }
  setManagers(next, managers);
}

export interface ApplyOptions {
  force: boolean;
}

/**
 * Applies `config` (already decoded against the schema) to `live` (undefined: the object is created) and
 * returns the object to write, its managedFields set. Throws a 409 with upstream's conflict causes.
 */
export function applyConfiguration(live: KubeObject | undefined, config: KubeObject, ctx: WriteContext, opts: ApplyOptions): KubeObject {
  let managers: Map<string, Manager>;
  try {
    managers = decodeManagers(live?.metadata.managedFields, true);
  } catch {
    managers = new Map();
  }
  const liveView = ownable(live);
  // An object no one manages yet (written before managed fields were kept): its fields belong to
  // `before-first-apply`, so an applier doesn't silently take them over (upstream's first-apply handling).
  if (live && managers.size === 0) {
    const legacy = { manager: "before-first-apply", operation: "Update" as const, apiVersion: ctx.apiVersion, subresource: "" };
    managers.set(managerId(legacy), { ...legacy, set: toFieldSet(liveView, ctx.type), time: ctx.now });
  }
  const applied = scoped(ownable(config), ctx);
  if (!live) {
    // A create: the configuration is the object, and its fields are the applier's alone.
    const created = mergeApplied({ apiVersion: config.apiVersion, kind: config.kind, metadata: config.metadata }, applied, ctx.type) as KubeObject;
    const entry = { manager: ctx.manager, operation: "Apply" as const, apiVersion: ctx.apiVersion, time: ctx.now, fieldsType: "FieldsV1" as const, fieldsV1: toFieldsV1(applied, ctx.type) };
    created.metadata.managedFields = [ctx.subresource ? { ...entry, subresource: ctx.subresource } : entry] as NonNullable<KubeObject["metadata"]["managedFields"]>;
    return created;
  }
  const merged = mergeApplied(cloneJson(live), applied, ctx.type) as KubeObject;
  const self = { manager: ctx.manager, operation: "Apply" as const, apiVersion: ctx.apiVersion, subresource: ctx.subresource };
  const id = managerId(self);
  const removedByMerge: FieldSet = new Set();
  const changed = changedFields(liveView, ownable(merged), ctx.type, "", new Set(), removedByMerge);
  const forgiven = ctx.manager === "kubectl" && live ? fromLastApplied(live, liveView, ctx.type) : undefined;
  const conflicts: Array<{ manager: Manager; paths: string[] }> = [];
  for (const [key, m] of managers) {
    if (key === id) continue;
    const clash = [...intersect(m.set, changed)].filter((p) => !forgiven?.has(p));
    if (clash.length > 0) conflicts.push({ manager: m, paths: clash.sort() });
  }
  if (conflicts.length > 0 && !opts.force) throw conflictError(conflicts);
  for (const [key, m] of managers) if (key !== id) takeFrom(m, changed);

  const newSet = toFieldSet(applied, ctx.type);
  const previous = managers.get(id);
  if (previous) {
    const others = union(...[...managers].filter(([key]) => key !== id).map(([, m]) => m.set));
    const ownedBelow = ancestors(others);
    const dropped = [...difference(difference(previous.set, newSet), others)].filter((p) => !ownedBelow.has(p));
    removeFields(merged, new Set(dropped), ctx.type);
    for (const p of dropped) removedByMerge.add(p);
  }
  const objectChanged = changed.size > 0 || !sameSet(previous?.set, newSet) || live === undefined;
  const mine: Manager = previous ?? { ...self, set: newSet };
  if (!previous || !sameSet(previous.set, newSet)) mine.set = newSet;
  mine.apiVersion = ctx.apiVersion;
  if (objectChanged || !mine.time) mine.time = ctx.now;
  managers.set(id, mine);
  prune(managers, removedByMerge, id);
  setManagers(merged, managers);
  syncLastApplied(merged, config, ctx.manager);
  return merged;
}

/**
 * Upstream's lastAppliedManager: kubectl applying server-side to an object client-side apply last wrote
 * may take, without forcing, the fields its last-applied annotation holds with the values the object
 * still has (what client-side apply set and no one changed since).
 */
function fromLastApplied(live: KubeObject, liveView: JsonObject, type: MergeType): FieldSet | undefined {
  const text = live.metadata.annotations?.[LAST_APPLIED];
  if (text === undefined) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(lastApplied) || !isPlainObject(lastApplied.metadata)) return undefined;
  const view = ownable(lastApplied as KubeObject);
  return difference(toFieldSet(view, type), changedFields(liveView, view, type));
}

/** Every proper ancestor of each path of `set`. */
function ancestors(set: FieldSet): Set<string> {
  const out = new Set<string>();
  for (const p of set) {
    let at = p.lastIndexOf("\n");
    while (at > 0) {
      out.add(p.slice(0, at));
      at = p.lastIndexOf("\n", at - 1);
    }
  }
  return out;
}

function sameSet(a: FieldSet | undefined, b: FieldSet): boolean {
  if (!a || a.size !== b.size) return false;
  for (const p of a) if (!b.has(p)) return false;
  return true;
}

/** Takes `paths` from a manager (a new set only when it owned some of them, so an untouched entry is reused as read). */
function takeFrom(m: Manager, paths: FieldSet): void {
  for (const p of paths) {
    if (ownsPath(m, p)) {
      m.set = difference(m.set, paths);
      return;
    }
  }
}

/** Drops from every manager the fields the object no longer has (an applier keeps what it applied). */
function prune(managers: Map<string, Manager>, removed: FieldSet, keep?: string): void {
  if (removed.size === 0) return;
  for (const [key, m] of managers) {
    if (key === keep) continue;
    let kept: FieldSet | undefined;
    for (const p of m.set) {
      if (coveredBy(p, removed)) kept ??= new Set([...m.set].filter((q) => !coveredBy(q, removed)));
    }
    if (kept) m.set = kept;
  }
}

function setManagers(obj: KubeObject, managers: Map<string, Manager>): void {
  const entries = encodeManagers(managers);
  if (entries.length > 0) obj.metadata.managedFields = entries as NonNullable<KubeObject["metadata"]["managedFields"]>;
  else delete obj.metadata.managedFields;
}

/** Upstream's NewConflictError: one cause per field, the message grouping them by manager. */
function conflictError(conflicts: Array<{ manager: Manager; paths: string[] }>): StatusError {
  const who = (m: Manager) => {
    let s = JSON.stringify(m.manager);
    if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
    return m.operation === "Update" ? `${s} using ${m.apiVersion}` : s;
  };
  const causes = conflicts.flatMap((c) => c.paths.map((p) => ({ reason: "FieldManagerConflict", message: `conflict with ${who(c.manager)}`, field: renderPath(p) })));
  let message: string;
  if (causes.length === 1) message = `Apply failed with 1 conflict: conflict with ${who(conflicts[0]!.manager)}: ${causes[0]!.field}`;
  else {
    const lines = [...conflicts].sort((a, b) => (managerId(a.manager) < managerId(b.manager) ? -1 : 1))
      .flatMap((c) => [`conflicts with ${who(c.manager)}:`, ...c.paths.map((p) => `- ${renderPath(p)}`)]);
    message = `Apply failed with ${causes.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}

