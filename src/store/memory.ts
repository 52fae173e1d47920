import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, prefixEnd,
  type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type WatchListener,
} from "./store.js";
import { WatchHub } from "./watch-hub.js";

/** An in-memory Store for tests and benchmarks: current values in a map, history as an event log. */
export class MemoryStore implements Store {
  private readonly current = new Map<string, KeyValue>();
  private log: StoreEvent[] = [];
  private rev = 0;
  private compacted = 0;
  private readonly hub = new WatchHub();

  async revision(): Promise<number> {
    return this.rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.current.get(key);
  }

  async count(prefix: string): Promise<number> {
    let n = 0;
    for (const key of this.current.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const at = options.revision || this.rev;
    if (at < this.compacted) throw new CompactedError(at, this.compacted);
    const view = new Map<string, KeyValue>();
    for (const [k, v] of this.current) if (k.startsWith(prefix)) view.set(k, v);
    for (let i = this.log.length - 1; i >= 0 && this.log[i]!.kv.modRevision > at; i--) {
      const e = this.log[i]!;
      if (!e.kv.key.startsWith(prefix)) continue;
      if (e.type === "ADDED") view.delete(e.kv.key);
      else view.set(e.kv.key, e.prev!);
    }
    const after = options.after ?? "";
    const end = prefixEnd(prefix);
    const keys = [...view.keys()].filter((k) => k > after && k < end).sort();
    const limit = options.limit && options.limit > 0 ? options.limit : keys.length;
    return {
      items: keys.slice(0, limit).map((k) => view.get(k)!),
      revision: at,
      more: keys.length > limit,
      remaining: options.count ? Math.max(0, keys.length - limit) : 0,
    };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    if (this.current.has(key)) throw new KeyExistsError(key);
    const rev = ++this.rev;
    const kv = { key, value, createRevision: rev, modRevision: rev };
    this.current.set(key, kv);
    this.commit({ type: "ADDED", kv });
    return kv;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (prev.modRevision !== expectedRevision) throw new RevisionMismatchError(key, prev);
    const kv = { key, value, createRevision: prev.createRevision, modRevision: ++this.rev };
    this.current.set(key, kv);
    this.commit({ type: "MODIFIED", kv, prev });
    return kv;
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) throw new RevisionMismatchError(key, prev);
    this.current.delete(key);
    const kv = { ...prev, modRevision: ++this.rev };
    this.commit({ type: "DELETED", kv, prev });
    return kv;
  }

  async watch(prefix: string, fromRevision: number, listener: WatchListener, signal: AbortSignal): Promise<void> {
    if (fromRevision > 0 && fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    if (fromRevision > 0) {
      for (const e of this.log) if (e.kv.modRevision > fromRevision && e.kv.key.startsWith(prefix)) listener(e);
    }
    this.hub.subscribe(prefix, listener, signal);
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    this.compacted = Math.min(revision, this.rev);
    this.log = this.log.filter((e) => e.kv.modRevision > this.compacted);
  }

  async close(): Promise<void> {
    this.hub.clear();
  }

  private commit(event: StoreEvent): void {
    this.log.push(event);
    this.hub.publish(event);
  }
}
