import { create } from "@bufbuild/protobuf";
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError,
  type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type WatchListener,
} from "../store.js";
import { bytes, EtcdClient, EtcdUnavailableError, isCompactedError, rangeEnd, text, type EtcdClientOptions } from "./client.js";
import { Compare_CompareResult, Compare_CompareTarget, CompareSchema, type Compare } from "./gen/etcdserverpb/rpc_pb.js";
import { Event_EventType, type Event, type KeyValue as EtcdKeyValue } from "./gen/mvccpb/kv_pb.js";
import { EtcdWatch } from "./watcher.js";
import { EtcdCompactor } from "./compactor.js";

export interface EtcdStoreOptions extends EtcdClientOptions {
  /** Where the keys live in etcd (--etcd-prefix; default "/registry"). */
  prefix?: string;
  /** The start of every store key, replaced by `prefix` in etcd (tug: "/registry"; default ""). */
  root?: string;
  /** Run upstream's leader-elected compactor at this interval (0 or absent: the caller compacts). */
  compactionIntervalMs?: number;
  /**
   * Keys under these prefixes are read from memory, kept by the shared watch, instead of a quorum read per
   * get (as upstream's admission reads namespaces and service accounts from informers). Read-your-writes
   * holds; another API server's write shows once the watch delivered it (milliseconds).
   */
  cachedPrefixes?: string[];
  /** How many of the newest changes (at least) are kept for watches from a recent revision (default 5,000). */
  recentChanges?: number;
  log?: (entry: { level: string; msg: string; [k: string]: unknown }) => void;
}

interface Subscriber {
  prefix: string;
  /** Only changes after this revision. */
  after: number;
  listener: WatchListener;
  onError?: (err: CompactedError) => void;
}

/** How long a write waits for the shared watch to deliver it before it resolves anyway (watch broken). */
const DELIVERY_WAIT_MS = 5_000;

/**
 * The Store on etcd, as kube-apiserver keeps its objects: each key at `prefix` + the key after `root`
 * (tug: root "/registry", prefix --etcd-prefix), the value as given (the object's JSON), a key's
 * modRevision as etcd's mod revision. Create is a txn on "create revision == 0", update and delete are txns
 * on the mod revision, so every write is a compare-and-swap and a retried one never applies twice.
 *
 * Watches: the store runs ONE etcd watch over its whole prefix (with prevKV and progress notifications)
 * and fans its changes out to every `watch` caller, keeping the newest changes in memory so that a watch
 * from a recent revision replays without asking etcd. A write resolves only once that watch delivered it,
 * so, as with SQLite, a watcher has seen a change when its writer hears of it, and `revision()` is the
 * newest revision whose changes every watcher has been given (what a bookmark may claim). A watch from
 * a revision older than the memory opens its own etcd watch. When the shared watch cannot resume (etcd
 * compacted the history it missed while disconnected) every watcher's `onError` gets a CompactedError.
 */
export class EtcdStore implements Store {
  readonly client: EtcdClient;
  private readonly prefix: string;
  private readonly root: string;
  private readonly recentLimit: number;
  /** The newest changes, oldest first; `oldest`: every change after it is here. */
  private recent: StoreEvent[] = [];
  private oldest = 0;
  /** Every change up to here has been given to the subscribers. */
  private seen = 0;
  private compacted = 0;
  private readonly subscribers = new Set<Subscriber>();
  private waiters: Array<{ revision: number; resolve: () => void }> = [];
  private hub: EtcdWatch | undefined;
  /** The shared watch starting over after lost history: new watches wait for it, to start where it starts. */
  private restarting: Promise<void> | undefined;
  private readonly own = new Set<EtcdWatch>();
  private compactor: EtcdCompactor | undefined;
  private readonly cachedPrefixes: string[];
  private readonly views = new Map<string, Promise<Map<string, KeyValue>>>();
  private readonly closing = new AbortController();
  private readonly log: NonNullable<EtcdStoreOptions["log"]>;

  private constructor(options: EtcdStoreOptions) {
    this.client = new EtcdClient(options);
    this.prefix = options.prefix ?? "/registry";
    this.root = options.root ?? "";
    this.recentLimit = options.recentChanges ?? 5_000;
    this.cachedPrefixes = options.cachedPrefixes ?? [];
    this.log = options.log ?? (() => {});
  }

  /** Connects and starts the shared watch (and the compactor, when asked). */
  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(options);
    try {
      // A unary call first: it fails with EtcdUnavailableError after its deadline when etcd is unreachable.
      await store.client.range({ key: bytes(store.prefix), countOnly: true });
      await store.startHub(0);
    } catch (err) {
      store.client.close();
      if (err instanceof EtcdUnavailableError) throw new EtcdUnavailableError(err.method, err.cause, `cannot reach etcd at ${options.endpoints.join(",")}: ${err.detail}`);
      throw err;
    }
    if (options.compactionIntervalMs) {
      store.compactor = new EtcdCompactor(store.client, (revision) => store.compact(revision), { intervalMs: options.compactionIntervalMs, log: store.log });
      store.compactor.start();
    }
    return store;
  }

  async revision(): Promise<number> {
    return this.seen;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const cached = this.cachedPrefixes.find((p) => key.startsWith(p));
    if (cached !== undefined) return (await this.view(cached)).get(key);
    const res = await this.client.range({ key: bytes(this.etcdKey(key)) });
    return res.kvs[0] && this.toKeyValue(res.kvs[0]);
  }

  async count(prefix: string): Promise<number> {
    const [key, end] = this.etcdRange(prefix);
    return Number((await this.client.range({ key, rangeEnd: end, countOnly: true })).count);
  }

  /** One range at the revision; etcd counts the range's keys from its index, so `remaining` reads no values. */
  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const [start, end] = this.etcdRange(prefix);
    const key = options.after && options.after >= prefix ? bytes(this.etcdKey(options.after) + "\0") : start;
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const at = options.revision ?? 0;
    try {
      const res = await this.client.range({ key, rangeEnd: end, limit: BigInt(limit), revision: BigInt(at) });
      const items = res.kvs.map((kv) => this.toKeyValue(kv));
      const count = Number(res.count);
      return {
        items,
        revision: at || Number(res.header!.revision),
        more: res.more,
        remaining: res.more && options.count ? count - items.length : 0,
      };
    } catch (err) {
      if (isCompactedError(err)) throw new CompactedError(at, Math.max(this.compacted, at));
      throw err;
    }
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = bytes(this.etcdKey(key));
    const v = bytes(value);
    let resent = false;
    const res = await this.client.txn({
      compare: [compare(k, Compare_CompareTarget.CREATE, Compare_CompareResult.EQUAL, 0)],
      success: [{ request: { case: "requestPut", value: { key: k, value: v } } }],
      failure: [{ request: { case: "requestRange", value: { key: k } } }],
    }, () => (resent = true));
    if (!res.succeeded) {
      const own = resent ? ownWrite(res.responses[0]?.response, v) : undefined;
      if (!own) throw new KeyExistsError(key);
      await this.delivered(Number(own.modRevision));
      return { key, value, createRevision: Number(own.createRevision), modRevision: Number(own.modRevision) };
    }
    const revision = Number(res.header!.revision);
    await this.delivered(revision);
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = bytes(this.etcdKey(key));
    const v = bytes(value);
    let resent = false;
    const res = await this.client.txn({
      compare: [
        compare(k, Compare_CompareTarget.CREATE, Compare_CompareResult.GREATER, 0),
        compare(k, Compare_CompareTarget.MOD, Compare_CompareResult.EQUAL, expectedRevision),
      ],
      success: [{ request: { case: "requestPut", value: { key: k, value: v, prevKv: true } } }],
      failure: [{ request: { case: "requestRange", value: { key: k } } }],
    }, () => (resent = true));
    if (!res.succeeded) {
      const own = resent ? ownWrite(res.responses[0]?.response, v) : undefined;
      if (own && Number(own.modRevision) > expectedRevision) {
        await this.delivered(Number(own.modRevision));
        return { key, value, createRevision: Number(own.createRevision), modRevision: Number(own.modRevision) };
      }
      throw this.mismatch(key, res.responses[0]?.response);
    }
    const put = res.responses[0]!.response;
    const prev = put.case === "responsePut" ? put.value.prevKv : undefined;
    const revision = Number(res.header!.revision);
    await this.delivered(revision);
    return { key, value, createRevision: Number(prev?.createRevision ?? 0n), modRevision: revision };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = bytes(this.etcdKey(key));
    const guards = [compare(k, Compare_CompareTarget.CREATE, Compare_CompareResult.GREATER, 0)];
    if (expectedRevision !== undefined) guards.push(compare(k, Compare_CompareTarget.MOD, Compare_CompareResult.EQUAL, expectedRevision));
    const res = await this.client.txn({
      compare: guards,
      success: [{ request: { case: "requestDeleteRange", value: { key: k, prevKv: true } } }],
      failure: [{ request: { case: "requestRange", value: { key: k } } }],
    });
    if (!res.succeeded) throw this.mismatch(key, res.responses[0]?.response);
    const del = res.responses[0]!.response;
    const prev = del.case === "responseDeleteRange" ? del.value.prevKvs[0] : undefined;
    if (!prev) throw new KeyNotFoundError(key);
    const revision = Number(res.header!.revision);
    await this.delivered(revision);
    return { ...this.toKeyValue(prev), modRevision: revision };
  }

  async watch(
    prefix: string, fromRevision: number, listener: WatchListener, signal: AbortSignal,
    onError?: (err: CompactedError) => void,
  ): Promise<void> {
    if (signal.aborted) return;
    // A watch from now, asked while the shared watch starts over, begins where it begins: a change made
    // once this call returned is always after that.
    if (this.restarting) await this.restarting;
    if (fromRevision > 0) await this.checkAvailable(fromRevision);
    if (signal.aborted) return;
    // From now: after what was delivered (or where the shared watch restarted).
    const from = fromRevision > 0 ? fromRevision : Math.max(this.seen, this.oldest);
    if (from >= this.oldest) {
      // Replay from memory and subscribe in one synchronous step: no change slips between the two.
      for (const e of this.recent) if (e.kv.modRevision > from && e.kv.key.startsWith(prefix)) listener(e);
      const subscriber: Subscriber = { prefix, after: Math.max(from, this.seen), listener, onError };
      this.subscribers.add(subscriber);
      signal.addEventListener("abort", () => this.subscribers.delete(subscriber), { once: true });
      return;
    }
    // Older than the memory: a watch of its own from etcd's history.
    const [key, end] = this.etcdRange(prefix);
    const own: EtcdWatch = new EtcdWatch(this.client, key, end, from + 1, {
      events: (events) => {
        if (!signal.aborted) for (const e of events) listener(this.toEvent(e));
      },
      lost: (compactRevision) => {
        this.own.delete(own);
        if (!signal.aborted) onError?.(new CompactedError(from, compactRevision));
      },
    });
    this.own.add(own);
    signal.addEventListener("abort", () => (own.stop(), this.own.delete(own)), { once: true });
    await own.start();
  }

  /** Compacts etcd's history up to `revision` (the newest, if it is ahead). Compacting again is a no-op. */
  async compact(revision: number): Promise<void> {
    try {
      await this.client.compact({ revision: BigInt(revision) });
    } catch (err) {
      if (isCompactedError(err)) return;
      if (!/future revision/.test((err as Error).message)) throw err;
      const now = Number((await this.client.range({ key: bytes(this.prefix), countOnly: true })).header!.revision);
      if (now > this.compacted) await this.client.compact({ revision: BigInt(now) }).catch((e: unknown) => { if (!isCompactedError(e)) throw e; });
      revision = now;
    }
    this.compacted = Math.max(this.compacted, revision);
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.compactor?.stop();
    this.hub?.stop();
    for (const w of this.own) w.stop();
    this.own.clear();
    this.subscribers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    this.client.close();
  }

  /** The keys under a cached prefix and their values: listed once, then kept by the shared watch. */
  private view(prefix: string): Promise<Map<string, KeyValue>> {
    let view = this.views.get(prefix);
    if (!view) {
      view = (async () => {
        const values = new Map<string, KeyValue>();
        const listed = await this.list(prefix);
        for (const kv of listed.items) values.set(kv.key, kv);
        const keep = (e: StoreEvent) => (e.type === "DELETED" ? values.delete(e.kv.key) : values.set(e.kv.key, e.kv));
        // Lost history (after a disconnection across a compaction): the next get lists again.
        await this.watch(prefix, listed.revision, keep, this.closing.signal, () => this.views.delete(prefix));
        return values;
      })();
      this.views.set(prefix, view);
      view.catch(() => this.views.delete(prefix));
    }
    return view;
  }

  /** Starts the shared watch after `revision` (0: now). */
  private async startHub(revision: number): Promise<void> {
    const [key, end] = this.etcdRange(this.root);
    const hub = new EtcdWatch(this.client, key, end, revision > 0 ? revision + 1 : 0, {
      events: (events) => this.publish(events),
      progress: (rev) => this.advance(rev),
      lost: (compactRevision) => {
        this.restarting = this.restartHub(compactRevision).finally(() => (this.restarting = undefined));
      },
    });
    this.hub = hub;
    const created = await hub.start();
    if (revision === 0) this.seen = this.oldest = created;
  }

  /**
   * The shared watch missed changes etcd no longer has: tell every watcher (their clients list again, as
   * after a 410) and start over from now.
   */
  private async restartHub(compactRevision: number): Promise<void> {
    this.log({ level: "warning", msg: "The etcd watch lost history to compaction while disconnected; watchers must list again", compactRevision });
    const gone = [...this.subscribers];
    this.subscribers.clear();
    this.recent = [];
    for (const s of gone) s.onError?.(new CompactedError(s.after, compactRevision));
    this.compacted = Math.max(this.compacted, compactRevision);
    while (!this.closing.signal.aborted) {
      try {
        const now = Number((await this.client.range({ key: bytes(this.prefix), countOnly: true })).header!.revision);
        this.oldest = now;
        await this.startHub(now);
        this.advance(now);
        return;
      } catch (err) {
        // etcd went away again meanwhile (writes meanwhile wait only their bound): try again.
        this.log({ level: "error", msg: "Restarting the etcd watch failed; retrying", err: String(err) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private publish(events: Event[]): void {
    for (const raw of events) {
      const e = this.toEvent(raw);
      this.recent.push(e);
      for (const s of this.subscribers) if (e.kv.modRevision > s.after && e.kv.key.startsWith(s.prefix)) s.listener(e);
    }
    // Trimmed by a quarter at a time: a slice per event would copy the whole memory at every change.
    if (this.recent.length > this.recentLimit * 1.25) {
      const drop = this.recent.length - this.recentLimit;
      this.oldest = this.recent[drop - 1]!.kv.modRevision;
      this.recent = this.recent.slice(drop);
    }
    this.advance(Number(events[events.length - 1]!.kv!.modRevision));
  }

  /** Every change up to `revision` is delivered: the writes waiting for it resolve. */
  private advance(revision: number): void {
    if (revision <= this.seen) return;
    this.seen = revision;
    if (this.waiters.length === 0) return;
    const waiting: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.revision <= revision) w.resolve();
      else waiting.push(w);
    }
    this.waiters = waiting;
  }

  /** Resolves once the shared watch delivered `revision` (or after a bound, if the watch is down). */
  private delivered(revision: number): Promise<void> {
    if (revision <= this.seen) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, DELIVERY_WAIT_MS);
      this.waiters.push({ revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Throws CompactedError when `revision` is older than etcd's history (a range at it tells exactly). */
  private async checkAvailable(revision: number): Promise<void> {
    try {
      await this.client.range({ key: bytes(this.prefix), revision: BigInt(revision), countOnly: true });
    } catch (err) {
      if (isCompactedError(err)) throw new CompactedError(revision, Math.max(this.compacted, revision));
      if (!/future revision/.test((err as Error).message)) throw err;
    }
  }

  private mismatch(key: string, failure: { case: string | undefined; value?: unknown } | undefined): Error {
    const range = failure?.case === "responseRange" ? (failure.value as { kvs: EtcdKeyValue[] }) : undefined;
    const current = range?.kvs[0];
    return current ? new RevisionMismatchError(key, this.toKeyValue(current)) : new KeyNotFoundError(key);
  }

  private etcdKey(key: string): string {
    if (!key.startsWith(this.root)) throw new TypeError(`Key "${key}" is outside the store's root "${this.root}"`);
    return this.prefix + key.slice(this.root.length);
  }

  /** The etcd key range of the store keys starting with `prefix` (all the store's keys for a prefix of its root). */
  private etcdRange(prefix: string): [Uint8Array, Uint8Array] {
    const start = bytes(this.root.startsWith(prefix) ? this.prefix : this.etcdKey(prefix));
    return [start, rangeEnd(start)];
  }

  private storeKey(key: Uint8Array): string {
    return this.root + text(key).slice(this.prefix.length);
  }

  private toKeyValue(kv: EtcdKeyValue): KeyValue {
    return {
      key: this.storeKey(kv.key),
      value: text(kv.value),
      createRevision: Number(kv.createRevision),
      modRevision: Number(kv.modRevision),
    };
  }

  private toEvent(e: Event): StoreEvent {
    const prev = e.prevKv && e.prevKv.modRevision > 0n ? this.toKeyValue(e.prevKv) : undefined;
    if (e.type === Event_EventType.DELETE) {
      const base = prev ?? this.toKeyValue(e.kv!);
      return { type: "DELETED", kv: { ...base, modRevision: Number(e.kv!.modRevision) }, prev };
    }
    const kv = this.toKeyValue(e.kv!);
    return kv.createRevision === kv.modRevision ? { type: "ADDED", kv } : { type: "MODIFIED", kv, prev };
  }
}

function compare(key: Uint8Array, target: Compare_CompareTarget, result: Compare_CompareResult, value: number): Compare {
  const union = target === Compare_CompareTarget.CREATE
    ? { case: "createRevision" as const, value: BigInt(value) }
    : { case: "modRevision" as const, value: BigInt(value) };
  return create(CompareSchema, { key, target, result, targetUnion: union });
}

/**
 * The key as a failed compare's range found it, when it holds exactly `value`: a resent txn's first send
 * was applied (the member that took it died before answering), so the write that fails the compare is this
 * call's own. Each object's value is unique (its uid, timestamps), so equal bytes are no one else's.
 */
function ownWrite(failure: { case: string | undefined; value?: unknown } | undefined, value: Uint8Array): EtcdKeyValue | undefined {
  const current = failure?.case === "responseRange" ? (failure.value as { kvs: EtcdKeyValue[] }).kvs[0] : undefined;
  return current && Buffer.from(current.value).equals(value) ? current : undefined;
}
