import { alreadyExists, badRequest, conflict, notFound, StatusError, type Qualified } from "../../api/errors.js";
import { invalidError, type FieldError } from "../../api/field-errors.js";
import { applyConfiguration, trackUpdate, type WriteContext } from "../../api/managed/field-manager.js";
import { UNTYPED, type MergeType } from "../../api/managed/merge-type.js";
import { formatTime, generatedName, newUid } from "../../api/meta.js";
import { cloneJson, isPlainObject, type KubeObject } from "../../api/types.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../api/validation/meta.js";
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, type KeyValue, type Store,
} from "../../store/store.js";
import { strictDecodingError } from "../openapi/structural.js";
import type { StrictBody } from "../http/duplicate-fields.js";
import { apiVersionOf, storagePrefix, type ResourceInfo } from "../resource.js";
import { continueExpired, INCONSISTENT_REVISION, decodeContinue, encodeContinue, matchesQuery, type ListQuery } from "./list-options.js";

export interface Clock {
  now(): number;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Which part an update may change: the main resource, or a subresource such as status (a binding: see guaranteedUpdate). */
  subresource?: "status" | "binding" | "finalize" | "ephemeralcontainers" | "approval" | "";
  /** What to do with unknown and duplicate fields: Strict → 400, Warn → `warnings`, Ignore → drop silently (upstream's fieldValidation). */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  /** What the body's decoder found (duplicate fields), listed with the unknown fields in document order. */
  bodyErrors?: StrictBody;
  /** Collects warnings for the response's Warning headers. */
  warnings?: string[];
  /**
   * Who writes (`?fieldManager=`, else from the user agent): the write is recorded in metadata.managedFields
   * as an Update by this manager, on `subresource` when given (a scale write's). Absent: managedFields are
   * kept as the write leaves them.
   */
  fieldManager?: { manager: string; subresource?: string };
  /** Internal: the body (a create's) or the transform's result (an update's) is already decoded by normalize() (a PUT's, an apply's). */
  normalized?: boolean;
  /** Internal: this update marks the object for deletion (set by delete.ts only). */
  deletion?: { timestamp: string; gracePeriodSeconds: number };
}

/**
 * The strict-decoding errors of a body in document order, as upstream's decoder meets them: the body's own
 * (duplicate fields; a YAML body's come first) and the unknown fields the schema found, each at its place.
 * Without body errors, the unknown fields in the schema's order.
 */
function strictErrors(unknown: string[], body: StrictBody | undefined): string[] {
  const all = [
    ...(body?.findings ?? []),
    ...unknown.map((f) => ({ message: `unknown field "${f}"`, at: body?.offsetOf(f) ?? Number.MAX_SAFE_INTEGER })),
  ];
  if (body) all.sort((a, b) => a.at - b.at);
  return all.map((e) => e.message);
}

export interface ObjectList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/** Checks run before a create (upstream's admission chain), e.g. that the namespace exists. */
export type Admit = (resource: ResourceInfo, obj: KubeObject) => Promise<void>;

/**
 * Decodes a body against the kind's schema: throws 400 on wrong types, prunes and returns unknown fields,
 * and returns what must be a 422 (a null object in a list).
 * Top-level fields that are the very values of `stored` (decoded from the store, so already valid) are skipped.
 */
export type Decode = (resource: ResourceInfo, obj: KubeObject, stored?: KubeObject) => { unknown: string[]; errors: FieldError[] };

/** What an object holds outside its own key (a Service's cluster IP and node ports), reserved before it is written. */
export interface Allocations {
  /** Fills in and reserves what `obj` needs (`old`: the stored object, on update); a requested member that is taken is a 422. */
  reserve(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<Reservation>;
  /** Frees what a removed object held. */
  release(obj: KubeObject): Promise<void>;
}

export interface Reservation {
  /** The write landed: free what the old object held and the new one doesn't. */
  commit(): Promise<void>;
  /** The write failed: free what this reservation took. */
  abort(): Promise<void>;
}

/**
 * Checks run before an update is written, with the stored object and the subresource written ("" for the
 * main resource): RBAC's escalation check, the CSR signer checks.
 */
export type AdmitUpdate = (resource: ResourceInfo, obj: KubeObject, old: KubeObject, subresource: string) => Promise<void>;

export interface RestHooks {
  admit?: Admit;
  admitUpdate?: AdmitUpdate;
  decode?: Decode;
  allocations?: Allocations;
  /** How the kind's fields merge (from its OpenAPI schema), for patches, apply and managed fields. */
  mergeType?: (resource: ResourceInfo) => MergeType;
}

/** A server-side apply (PATCH application/apply-patch+yaml). */
export interface ApplyOptions extends Omit<WriteOptions, "subresource"> {
  manager: string;
  force: boolean;
  /** Where the configuration applies: the main resource, status, or scale (a configuration holding spec.replicas alone). */
  subresource: "" | "status" | "scale";
}

const MAX_CONFLICT_RETRIES = 20;
/** Upstream's apiserver tries a generateName this many times before reporting AlreadyExists. */
const GENERATE_NAME_ATTEMPTS = 8;

/**
 * The one generic REST store (upstream's genericregistry.Store): every kind's create, read, update and
 * list go through here; per-kind behaviour comes from the resource's Strategy.
 */
const METADATA_PREFIX = '{"metadata":{';

export class RestStore {
  readonly qualified: Qualified;
  private readonly sharedDecodes = new WeakMap<KeyValue, KubeObject>();
  /** The JSON of objects this store just wrote, so a response needn't serialise them again. */
  private readonly written = new WeakMap<KubeObject, string>();
  private cachedMergeType: MergeType | undefined;

  constructor(
    readonly info: ResourceInfo,
    readonly store: Store,
    private readonly clock: Clock,
    private readonly hooks: RestHooks = {},
  ) {
    this.qualified = { group: info.group, resource: info.plural };
  }

  /** How this kind's fields merge (strategic merge patch, apply, managed fields). */
  get mergeType(): MergeType {
    return (this.cachedMergeType ??= this.hooks.mergeType?.(this.info) ?? UNTYPED);
  }

  private writeContext(manager: string, subresource: string): WriteContext {
    return {
      manager, subresource, apiVersion: apiVersionOf(this.info), type: this.mergeType, now: formatTime(this.clock.now()), statusApart: this.info.strategy.status,
    };
  }

  prefix(namespace?: string): string {
    const base = storagePrefix(this.info);
    return this.info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  key(namespace: string | undefined, name: string): string {
    return `${this.prefix(this.info.namespaced ? namespace : undefined)}${name}`;
  }

  /**
   * The stored JSON with metadata.resourceVersion spliced in. Objects are stored metadata-first and without
   * their resourceVersion (the store's revision is the truth), so this needs no parse.
   */
  rawJson(kv: KeyValue): string {
    const rv = `{"metadata":{"resourceVersion":"${kv.modRevision}",`;
    if (kv.value.startsWith(METADATA_PREFIX) && kv.value[METADATA_PREFIX.length] !== "}") return rv + kv.value.slice(METADATA_PREFIX.length);
    const obj = JSON.parse(kv.value) as KubeObject;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return JSON.stringify(obj);
  }

  decode(kv: KeyValue): KubeObject {
    return JSON.parse(this.rawJson(kv)) as KubeObject;
  }

  /**
   * Decodes once per stored value and shares the result, for readers that never mutate it (watch fan-out:
   * every watcher of a change sees the same KeyValue).
   */
  decodeShared(kv: KeyValue): KubeObject {
    let obj = this.sharedDecodes.get(kv);
    if (!obj) this.sharedDecodes.set(kv, (obj = this.decode(kv)));
    return obj;
  }

  private encode(obj: KubeObject): string {
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    const { metadata: _m, ...rest } = obj;
    return JSON.stringify({ metadata: meta, ...rest });
  }

  /** The JSON of an object as returned by create or update, when this store wrote it. */
  jsonOf(obj: KubeObject): string {
    return this.written.get(obj) ?? JSON.stringify(obj);
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.qualified, name);
    return this.decode(kv);
  }

  async list(namespace: string | undefined, q: ListQuery): Promise<ObjectList> {
    const { items, metadata } = await this.listWith(namespace, q, (kv) => {
      const obj = this.decode(kv);
      return matchesQuery(obj, q) ? obj : undefined;
    });
    return { apiVersion: apiVersionOf(this.info), kind: this.info.listKind, metadata, items };
  }

  /** The list as a JSON document; without selectors the stored JSON is passed through unparsed. */
  async listJson(namespace: string | undefined, q: ListQuery): Promise<string> {
    if (!q.labels.isEmpty() || q.fields.length > 0) return JSON.stringify(await this.list(namespace, q));
    const { items, metadata } = await this.listWith(namespace, q, (kv) => this.rawJson(kv));
    return `{"apiVersion":"${apiVersionOf(this.info)}","kind":"${this.info.listKind}","metadata":${JSON.stringify(metadata)},"items":[${items.join(",")}]}`;
  }

  /** Pages through the store at one revision, keeping what `pick` returns, until `limit` items are kept. */
  private async listWith<T>(namespace: string | undefined, q: ListQuery, pick: (kv: KeyValue) => T | undefined): Promise<{ items: T[]; metadata: ObjectList["metadata"] }> {
    let revision = 0;
    let after: string | undefined;
    let counted: number | undefined;
    let start: string | undefined;
    if (q.continueToken) {
      const pos = decodeContinue(q.continueToken);
      revision = pos.rv === INCONSISTENT_REVISION ? 0 : pos.rv;
      start = pos.start;
      after = this.prefix(namespace) + pos.start;
      counted = pos.remaining;
    } else if (q.resourceVersion && q.resourceVersion !== "0" && q.resourceVersionMatch === "Exact") {
      revision = Number(q.resourceVersion);
    }
    const items: T[] = [];
    const filtered = !q.labels.isEmpty() || q.fields.length > 0;
    let more = false;
    let remaining = 0;
    let lastKey = "";
    try {
      while (true) {
        const want = q.limit > 0 ? q.limit - items.length : 0;
        // Only an unfiltered list reports remainingItemCount (as upstream), and a continuation knows it already.
        const count = !filtered && counted === undefined;
        const page = await this.store.list(this.prefix(namespace), { revision, after, limit: want > 0 ? Math.max(want, filtered ? 500 : want) : 0, count });
        revision = page.revision;
        let consumed = 0;
        for (const kv of page.items) {
          consumed++;
          const item = pick(kv);
          if (item === undefined) continue;
          items.push(item);
          lastKey = kv.key;
          if (q.limit > 0 && items.length === q.limit) break;
        }
        const pageLeft = page.items.length - consumed;
        if (q.limit > 0 && items.length === q.limit) {
          more = page.more || pageLeft > 0;
          remaining = counted === undefined ? page.remaining + pageLeft : Math.max(0, counted - items.length);
          break;
        }
        if (!page.more) break;
        after = page.items[page.items.length - 1]!.key;
      }
    } catch (err) {
      if (err instanceof CompactedError) {
        if (start !== undefined) throw continueExpired(start);
        throw new StatusError(410, "Expired", `too old resource version: ${q.resourceVersion} (${err.compacted})`);
      }
      throw err;
    }
    const metadata: ObjectList["metadata"] = { resourceVersion: String(revision) };
    if (more) {
      metadata.continue = encodeContinue(revision, lastKey.slice(this.prefix(namespace).length), filtered ? undefined : remaining);
      if (!filtered) metadata.remainingItemCount = remaining;
    }
    return { items, metadata };
  }

  async create(namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = opts.normalized ? input : this.normalize(input, namespace, opts);
    const meta = obj.metadata;
    const strategy = this.info.strategy;
    strategy.defaults?.(obj);
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = generatedName(meta.generateName!);
    meta.uid = newUid();
    meta.creationTimestamp = formatTime(this.clock.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (strategy.generation) meta.generation = 1;
    else delete meta.generation;
    if (opts.fieldManager) trackUpdate(undefined, obj, this.writeContext(opts.fieldManager.manager, opts.fieldManager.subresource ?? ""));
    strategy.prepareForCreate?.(obj);
    this.validate(obj, [...validateObjectMeta(meta, { namespaced: this.info.namespaced, name: this.info.strategy.nameRule }), ...(strategy.validate?.(obj) ?? []), ...(strategy.validateCreate?.(obj) ?? [])]);
    await this.hooks.admit?.(this.info, obj);
    // A dry run writes nothing to find a taken name; an object with allocations must be a 409 before
    // anything is reserved for it (its own would clash).
    if ((opts.dryRun || (this.hooks.allocations && !generated)) && (await this.store.get(this.key(meta.namespace, meta.name!)))) {
      throw alreadyExists(this.qualified, meta.name!);
    }
    const reservation = await this.hooks.allocations?.reserve(obj, undefined, !!opts.dryRun);
    if (opts.dryRun) return obj;
    // A generated name that is taken is generated again (upstream's RetryGenerateName): five random
    // characters collide now and then among tens of thousands of pods of one ReplicaSet.
    for (let attempt = 1; ; attempt++) {
      try {
        const kv = await this.store.create(this.key(meta.namespace, meta.name!), this.encode(obj));
        obj.metadata.resourceVersion = String(kv.modRevision);
        this.written.set(obj, this.rawJson(kv));
        return obj;
      } catch (err) {
        const retry = err instanceof KeyExistsError && generated && attempt < GENERATE_NAME_ATTEMPTS;
        if (!retry) await reservation?.abort();
        if (!(err instanceof KeyExistsError)) throw err;
        if (!retry) throw alreadyExists(this.qualified, meta.name!);
        meta.name = generatedName(meta.generateName!);
      }
    }
  }

  /** PUT: replaces the object; a stale `metadata.resourceVersion` is a 409. */
  async update(namespace: string | undefined, name: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const incoming = this.normalize(input, namespace, opts);
    if (incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    return this.guaranteedUpdate(namespace, name, { ...opts, normalized: true }, () => cloneJson(incoming));
  }

  /**
   * Reads, transforms and writes with optimistic concurrency, retrying when another writer got in first
   * (the transform sees the newest object each time). `transform` may throw a StatusError to stop; a
   * result whose resourceVersion differs from the stored one is a 409.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    opts: WriteOptions,
    transform: (current: KubeObject) => KubeObject | Promise<KubeObject>,
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    // A binding is the server's own edit at the storage layer (upstream's BindingREST): nothing in it
    // needs decoding against the schema, defaulting or validating again.
    const storageLevel = opts.subresource === "binding";
    // The transform gets its own parse of the stored JSON (cheaper than structuredClone of one), except
    // where sharing is safe: a binding needs no other copy, and a status write keeps all but the status
    // of the stored object while its transforms (patches, PUT bodies) copy whatever they change.
    const shared = storageLevel || opts.subresource === "status";
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(this.qualified, name);
      const current = this.decode(kv);
      const transformed = await transform(shared ? current : this.decode(kv));
      const next = storageLevel || opts.normalized ? transformed : this.normalize(transformed, namespace, opts, shared ? current : undefined);
      // A resourceVersion in the result (from a PUT body or a patch) is a precondition on the stored object.
      const rv = next.metadata.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw conflict(this.qualified, name);
      if (!storageLevel) this.prepareUpdate(next, current, opts.subresource ?? "", opts.fieldManager);
      if (!storageLevel && !opts.deletion) await this.hooks.admitUpdate?.(this.info, next, current, opts.subresource ?? "");
      if (opts.deletion) {
        next.metadata.deletionTimestamp = opts.deletion.timestamp;
        next.metadata.deletionGracePeriodSeconds = opts.deletion.gracePeriodSeconds;
      }
      if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && this.isFinalizable(next)) {
        if (opts.dryRun) return next;
        let gone;
        try {
          gone = await this.store.delete(key, kv.modRevision);
        } catch (err) {
          if (err instanceof RevisionMismatchError && attempt < MAX_CONFLICT_RETRIES) continue;
          throw this.translate(err, name);
        }
        await this.hooks.allocations?.release(current);
        return { ...next, metadata: { ...next.metadata, resourceVersion: String(gone.modRevision) } };
      }
      const reservation = opts.subresource ? undefined : await this.hooks.allocations?.reserve(next, current, !!opts.dryRun);
      if (opts.dryRun) return next;
      // The stored value is the encoding of `current`: an update that changes nothing writes nothing.
      const value = this.encode(next);
      if (value === kv.value) return current;
      let written;
      try {
        written = await this.store.update(key, value, kv.modRevision);
      } catch (err) {
        await reservation?.abort();
        if (err instanceof RevisionMismatchError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw this.translate(err, name);
      }
      // Only once the write landed: what the old object held and the new one doesn't is freed.
      await reservation?.commit();
      next.metadata.resourceVersion = String(written.modRevision);
      this.written.set(next, this.rawJson(written));
      return next;
    }
  }

  /** An object marked for deletion whose finalizers are all gone is removed, unless it waits on a grace period. */
  private isFinalizable(obj: KubeObject): boolean {
    if (this.info.strategy.blocksDeletion?.(obj)) return false;
    return !(this.info.strategy.gracePeriod && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0);
  }

  private prepareUpdate(next: KubeObject, current: KubeObject, subresource: string, fieldManager: WriteOptions["fieldManager"]): void {
    const strategy = this.info.strategy;
    const meta = next.metadata;
    // The server owns these; clients can't change them through an update.
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    meta.deletionTimestamp = current.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
    if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
    meta.generation = current.metadata.generation;
    if (meta.generation === undefined) delete meta.generation;
    const statusLike = subresource === "status" || subresource === "approval";
    if (statusLike) {
      // Upstream's status strategies reset the spec (every top-level field but metadata and status: they are
      // shared with the stored object, not copied, as the other branch shares the stored status) and keep
      // the metadata the write sends, but for what a kind's status strategy resets too.
      const { status, metadata } = next;
      for (const k of Object.keys(next)) delete next[k];
      Object.assign(next, current, { metadata, status });
      strategy.prepareForStatusUpdate?.(next, current, subresource);
    } else if (strategy.status) {
      // The main resource and namespaces/finalize (which writes spec.finalizers) keep the stored status.
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
    strategy.defaults?.(next);
    if (subresource === "") strategy.prepareForUpdate?.(next, current);
    if (strategy.generation && !statusLike && JSON.stringify(next.spec ?? null) !== JSON.stringify(current.spec ?? null)) {
      meta.generation = (current.metadata.generation ?? 0) + 1;
    }
    if (fieldManager) trackUpdate(current, next, this.writeContext(fieldManager.manager, fieldManager.subresource ?? subresource));
    else if (next.metadata.managedFields === undefined && current.metadata.managedFields !== undefined) meta.managedFields = current.metadata.managedFields;
    if (current.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).some((f) => !(current.metadata.finalizers ?? []).includes(f))) {
      throw invalidError(this.info.kind, this.info.group, meta.name!, [{
        type: "Forbidden", field: "metadata.finalizers", detail: "no new finalizers can be added if the object is being deleted",
      }]);
    }
    this.validate(next, [
      ...validateObjectMeta(meta, { namespaced: this.info.namespaced, name: this.info.strategy.nameRule }),
      ...validateObjectMetaUpdate(meta, current.metadata),
      ...(statusLike ? strategy.validateStatusUpdate?.(next, current) ?? [] : strategy.validate?.(next) ?? []),
      ...(subresource !== "" ? [] : strategy.validateUpdate?.(next, current) ?? []),
    ]);
  }

  /**
   * Server-side apply: merges the configuration into the object (creating it when there is none, on the
   * main resource) as the field manager says, then writes it as an update would. Returns the object and
   * whether it was created.
   */
  async apply(namespace: string | undefined, name: string, input: KubeObject, opts: ApplyOptions): Promise<{ obj: KubeObject; created: boolean }> {
    // Upstream's fieldmanager: an applied configuration says which fields it sets, never who owns them.
    if (isPlainObject(input) && isPlainObject(input.metadata) && input.metadata.managedFields !== undefined && input.metadata.managedFields !== null) {
      throw badRequest(`metadata.managedFields must be nil`);
    }
    const config = this.normalize(input, namespace, { ...opts, subresource: undefined });
    if (config.metadata.name === undefined || config.metadata.name === "") config.metadata.name = name;
    if (config.metadata.name !== name) {
      throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
    }
    const ctx = this.writeContext(opts.manager, opts.subresource);
    const { fieldManager: _f, bodyErrors: _b, ...options } = opts;
    const rest: WriteOptions = { ...options, subresource: opts.subresource === "scale" ? "" : opts.subresource };
    try {
      const obj = await this.guaranteedUpdate(namespace, name, { ...rest, normalized: true }, (current) => applyConfiguration(current, config, ctx, { force: opts.force }));
      return { obj, created: false };
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404 && err.reason === "NotFound") || opts.subresource !== "") throw err;
    }
    const created = applyConfiguration(undefined, config, ctx, { force: opts.force });
    try {
      return { obj: await this.create(namespace, created, { ...rest, normalized: true }), created: true };
    } catch (err) {
      // Someone created it in between: apply to theirs.
      if (!(err instanceof StatusError && err.code === 409 && err.reason === "AlreadyExists")) throw err;
      const obj = await this.guaranteedUpdate(namespace, name, { ...rest, normalized: true }, (current) => applyConfiguration(current, config, ctx, { force: opts.force }));
      return { obj, created: false };
    }
  }

  /** Writes a delete marker or removes the object; the delete logic lives in delete.ts. */
  async removeNow(namespace: string | undefined, name: string, expectedRevision?: number): Promise<KubeObject> {
    let gone;
    try {
      gone = this.decode(await this.store.delete(this.key(namespace, name), expectedRevision));
    } catch (err) {
      throw this.translate(err, name);
    }
    await this.hooks.allocations?.release(gone);
    return gone;
  }

  private validate(obj: KubeObject, errors: ReturnType<NonNullable<typeof this.info.strategy.validate>>): void {
    if (errors.length > 0) throw invalidError(this.info.kind, this.info.group, obj.metadata.name ?? obj.metadata.generateName ?? "", errors);
  }

  /**
   * Fills apiVersion/kind and namespace, rejects a body of the wrong kind or namespace, and decodes it
   * against the schema (wrong types → 400; unknown fields pruned, then refused or warned per fieldValidation).
   */
  normalize(input: KubeObject, namespace: string | undefined, opts: WriteOptions = {}, stored?: KubeObject): KubeObject {
    if (!isPlainObject(input)) throw badRequest("the body of the request must be a JSON object");
    const obj = input;
    if (obj.metadata !== undefined && obj.metadata !== null && !isPlainObject(obj.metadata)) {
      throw badRequest(`${this.info.kind} in version "${this.info.version}" cannot be handled as a ${this.info.kind}: json: cannot unmarshal ${Array.isArray(obj.metadata) ? "array" : typeof obj.metadata} into Go struct field ${this.info.kind}.metadata of type v1.ObjectMeta`);
    }
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    const expected = apiVersionOf(this.info);
    if (obj.kind !== undefined && obj.kind !== this.info.kind) {
      throw badRequest(`the object provided is unrecognized (must be of type ${this.info.kind}): kind ${String(obj.kind)}`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    }
    obj.apiVersion = expected;
    obj.kind = this.info.kind;
    const { unknown, errors } = this.hooks.decode?.(this.info, obj, stored) ?? { unknown: [], errors: [] };
    const strict = strictErrors(unknown, opts.bodyErrors);
    if (strict.length > 0 && opts.fieldValidation === "Strict") throw strictDecodingError(this.info.kind, this.info.version, strict);
    this.validate(obj, errors);
    if (strict.length > 0 && opts.fieldValidation !== "Ignore") opts.warnings?.push(...strict);
    if (this.info.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  translate(err: unknown, name: string): unknown {
    if (err instanceof KeyNotFoundError) return notFound(this.qualified, name);
    if (err instanceof RevisionMismatchError) return conflict(this.qualified, name);
    if (err instanceof KeyExistsError) return alreadyExists(this.qualified, name);
    return err;
  }
}
