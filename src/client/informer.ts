import { isGone } from "../api/errors.js";
import { parseSelector } from "../api/labels.js";
import type { KubeObject } from "../api/types.js";
import { Backoff } from "./backoff.js";
import { realClock, type Clock } from "./clock.js";
import { Indexer, keyOf, type IndexFunc } from "./indexer.js";
import type { ResourceRef, RestClient } from "./rest.js";

/** A delete noticed only by a relist: the object's last known state, which may be stale (client-go's DeletedFinalStateUnknown). */
export interface Tombstone<T> {
  tombstone: true;
  key: string;
  obj: T;
}

export function isTombstone<T>(x: T | Tombstone<T>): x is Tombstone<T> {
  return (x as Tombstone<T>).tombstone === true && "key" in (x as object);
}

/** The object a delete handler was given, whether it came as the object or as a tombstone. */
export function deletedObject<T>(x: T | Tombstone<T>): T {
  return isTombstone(x) ? x.obj : x;
}

export interface Handlers<T> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T | Tombstone<T>): void;
}

export interface InformerOptions {
  resource: ResourceRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc>;
  clock?: Clock;
  /** Deep-freeze cached objects so a handler that mutates one fails (default: env TUG_FREEZE_CACHE=1). */
  freeze?: boolean;
  /** Page size of the initial list. */
  pageSize?: number;
  /** Where a handler that threw is reported (default: a JSON line on stderr). */
  log?: (entry: Record<string, unknown>) => void;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * List, then watch from the list's resourceVersion, keeping an indexed cache and calling handlers. When the
 * watch ends or breaks it resumes from the last seen version (after back-off, 0.8 s doubling to 30 s, when it
 * broke); on 410 Gone it relists and delivers the difference, objects that vanished arriving as tombstones.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly indexer: Indexer<T>;
  private handlers: Array<Handlers<T>> = [];
  private readonly clock: Clock;
  private readonly freeze: boolean;
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private lastResourceVersion = "";

  constructor(private readonly client: RestClient, private readonly opts: InformerOptions) {
    this.indexer = new Indexer<T>({ namespace: (o) => (o.metadata.namespace ? [o.metadata.namespace] : []), ...opts.indexers });
    this.clock = opts.clock ?? realClock;
    this.freeze = opts.freeze ?? process.env.TUG_FREEZE_CACHE === "1";
  }

  /**
   * Registers handlers. A handler added to an informer that has already listed first receives an add for
   * every cached object (client-go's AddEventHandler), so late components miss nothing. Returns how to
   * remove them again (RemoveEventHandler), for a component that stops while the informer runs on.
   */
  on(handlers: Handlers<T>): () => void {
    this.handlers = [...this.handlers, handlers];
    if (this.synced) for (const obj of this.indexer.list()) this.call(handlers, (h) => h.add?.(obj));
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handlers);
    };
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  /** A read-only view of the cache. */
  lister(): Lister<T> {
    return new Lister(this.indexer);
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    // client-go's reflector: 800 ms doubling to 30 s, jittered, so informers that lost one API server don't all come back at once.
    const backoff = new Backoff({ initialMs: 800, maxMs: 30_000, jitter: 1, clock: this.clock });
    while (!signal.aborted) {
      try {
        if (!this.lastResourceVersion) await this.relist(signal);
        await this.client.watch<T>(this.opts.resource, this.opts.namespace, {
          resourceVersion: this.lastResourceVersion, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
          allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        }, (type, obj) => this.apply(type, obj), signal);
        backoff.reset();
      } catch (err) {
        if (signal.aborted) return;
        // Only 410 Gone needs a relist, as client-go's reflector: a refused connection, a restarting API
        // server or a broken stream resumes watching from the last version seen, after back-off, so the
        // informers that lost their server don't all list everything again when it (or another) answers.
        if (isGone(err)) {
          this.lastResourceVersion = "";
          continue;
        }
        await backoff.wait(signal);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let token: string | undefined;
    let rv: string;
    do {
      const page = await this.client.list<T>(this.opts.resource, this.opts.namespace, {
        labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, limit: this.opts.pageSize ?? 500, continue: token,
      });
      items.push(...page.items);
      token = page.metadata.continue;
      rv = page.metadata.resourceVersion;
    } while (token && !signal.aborted);
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.prepare(raw);
      const key = keyOf(obj);
      seen.add(key);
      const old = this.indexer.set(obj);
      if (!old) this.emit((h) => h.add?.(obj));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit((h) => h.update?.(old, obj));
    }
    for (const key of this.indexer.keys()) {
      if (seen.has(key)) continue;
      const last = this.indexer.delete(key)!;
      this.emit((h) => h.delete?.({ tombstone: true, key, obj: last }));
    }
    this.lastResourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(type: string, raw: T): void {
    this.lastResourceVersion = raw.metadata.resourceVersion ?? this.lastResourceVersion;
    if (type === "BOOKMARK") return;
    const obj = this.prepare(raw);
    const key = keyOf(obj);
    if (type === "DELETED") {
      const old = this.indexer.delete(key);
      if (old) this.emit((h) => h.delete?.(obj));
      return;
    }
    const old = this.indexer.set(obj);
    if (old) this.emit((h) => h.update?.(old, obj));
    else this.emit((h) => h.add?.(obj));
  }

  private prepare(obj: T): T {
    return this.freeze ? deepFreeze(obj) : obj;
  }

  /**
   * Handlers are isolated: one that throws is reported and the others still run; the watch goes on (a
   * throw would otherwise end it, and every consumer would relist).
   */
  private emit(call: (h: Handlers<T>) => void): void {
    for (const h of this.handlers) this.call(h, call);
  }

  private call(h: Handlers<T>, call: (h: Handlers<T>) => void): void {
    try {
      call(h);
    } catch (err) {
      const entry = { level: "error", component: "informer", resource: this.opts.resource.resource, msg: "Event handler failed", err: err instanceof Error ? err.stack ?? err.message : String(err) };
      if (this.opts.log) this.opts.log(entry);
      else process.stderr.write(`${JSON.stringify(entry)}\n`);
    }
  }
}

/** Reads the informer's cache: never mutate what it returns (frozen in tests). */
export class Lister<T extends KubeObject = KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  get(namespace: string | undefined, name: string): T | undefined {
    return this.indexer.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string, labelSelector?: string): T[] {
    const items = namespace ? this.indexer.byIndex("namespace", namespace) : this.indexer.list();
    if (!labelSelector) return items;
    const selector = parseSelector(labelSelector);
    return items.filter((o) => selector.matches(o.metadata.labels));
  }

  byIndex(index: string, value: string): T[] {
    return this.indexer.byIndex(index, value);
  }
}
