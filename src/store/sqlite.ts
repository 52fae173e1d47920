import Database from "better-sqlite3";
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, prefixEnd,
  type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type WatchListener,
} from "./store.js";
import { WatchHub } from "./watch-hub.js";

/**
 * The embedded default Store: SQLite through better-sqlite3, MVCC as kine does it. Every write appends a
 * row whose id is the revision; a delete appends a tombstone carrying the last value. The writes of one
 * event-loop turn share a transaction (WAL journal), so a crash leaves either a whole write or none of it;
 * writes to `prompt` keys commit sooner, at the end of the task that made them (see `write`).
 */
interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

export interface SqliteStoreOptions {
  /** fsync every commit (FULL) instead of at checkpoints (NORMAL, still crash-consistent). */
  durable?: boolean;
  /** Keys whose writes take the prompt lane: committed when the task that made them ends, not the turn. */
  prompt?: (key: string) => boolean;
}

/** The store's journal and durability settings (the benchmark's raw SQLite ceiling uses the same). */
export function configure(db: Database.Database, options: SqliteStoreOptions = {}): void {
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.durable ? "FULL" : "NORMAL"}`);
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
}

/**
 * How many keys' newest values the store keeps in memory: a few seconds of writes at full speed. Enough
 * for a burst of thousands of pods to be bound and started right after their creates without reading them
 * back from SQLite (at 4,096, 5,000 pods created then bound missed on every bind: an LRU scanned in order).
 */
const RECENT_KEYS = 16384;

interface PendingWrite {
  body: () => StoreEvent;
  resolve: (kv: KeyValue) => void;
  reject: (err: unknown) => void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub = new WatchHub();
  /** Writes waiting for the group commit at the end of this event-loop turn. */
  private turn: PendingWrite[] = [];
  /** Writes to prompt keys, waiting for the end of the current task (a microtask). */
  private soon: PendingWrite[] = [];
  private readonly prompt: (key: string) => boolean;
  private readonly commitBatch: (batch: PendingWrite[]) => Array<StoreEvent | { error: unknown }>;
  private rev: number;
  private assigned = 0;
  private compacted: number;
  private readonly q;
  /**
   * The newest value of keys recently read or written, in use order. This store is its file's only
   * writer, so the map is kept exact at every write: most updates read the object they then write (and a
   * pod is written several times within a second), and neither read then touches SQLite.
   */
  private readonly recent = new Map<string, KeyValue>();

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.db = new Database(path);
    configure(this.db, options);
    this.prompt = options.prompt ?? (() => false);
    const latestSelect = "SELECT * FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1";
    this.q = {
      latest: this.db.prepare<[string], Row>(latestSelect),
      byId: this.db.prepare<[number], Row>("SELECT * FROM kv WHERE id = ?"),
      insert: this.db.prepare<[number, string, number, number, number, number, string]>(
        "INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      // The newest row of each key at the revision, walking the (name, id) index in key order: no sort.
      listAt: this.db.prepare<[string, string, number, number, number], Row>(`
        SELECT * FROM kv AS a WHERE name > ? AND name < ? AND id <= ? AND deleted = 0
        AND NOT EXISTS (SELECT 1 FROM kv AS b WHERE b.name = a.name AND b.id > a.id AND b.id <= ?) ORDER BY name LIMIT ?`),
      countAt: this.db.prepare<[string, string, number, number], { n: number }>(`
        SELECT COUNT(*) AS n FROM kv AS a WHERE name > ? AND name < ? AND id <= ? AND deleted = 0
        AND NOT EXISTS (SELECT 1 FROM kv AS b WHERE b.name = a.name AND b.id > a.id AND b.id <= ?)`),
      since: this.db.prepare<[number, string, string], Row>(
        "SELECT * FROM kv WHERE id > ? AND name >= ? AND name < ? ORDER BY id"),
      maxId: this.db.prepare<[], { id: number | null }>("SELECT MAX(id) AS id FROM kv"),
      getMeta: this.db.prepare<[string], { value: number }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: this.db.prepare<[string, number]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      compactHistory: this.db.prepare<[number, number]>(
        "DELETE FROM kv WHERE id <= ? AND id NOT IN (SELECT MAX(id) FROM kv WHERE id <= ? GROUP BY name)"),
      compactTombstones: this.db.prepare<[number]>("DELETE FROM kv WHERE id <= ? AND deleted = 1"),
    };
    this.commitBatch = this.db.transaction((batch: PendingWrite[]) => batch.map((w) => {
      // Each write checks its preconditions before inserting, so one that throws has written nothing.
      try {
        return w.body();
      } catch (error) {
        return { error };
      }
    }));
    // Revisions are assigned here, not by SQLite: the high-water mark is the newest row, or the compacted
    // revision if compaction removed the newest rows (tombstones), so a revision is never handed out twice.
    this.compacted = this.q.getMeta.get("compact_rev")?.value ?? 0;
    this.rev = Math.max(this.q.maxId.get()?.id ?? 0, this.compacted);
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.newest(key);
  }

  /** The key's live value, from memory when it was used recently. */
  private newest(key: string): KeyValue | undefined {
    const known = this.recent.get(key);
    if (known) return this.remember(known);
    const row = this.q.latest.get(key);
    return row && !row.deleted ? this.remember(toKeyValue(row)) : undefined;
  }

  private remember(kv: KeyValue): KeyValue {
    this.recent.delete(kv.key);
    this.recent.set(kv.key, kv);
    if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.keys().next().value!);
    return kv;
  }

  async count(prefix: string): Promise<number> {
    return this.q.countAt.get(prefixBefore(prefix), prefixEnd(prefix), this.rev, this.rev)!.n;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const at = options.revision || this.rev;
    if (at < this.compacted) throw new CompactedError(at, this.compacted);
    const lowerBound = options.after && options.after >= prefix ? options.after : prefixBefore(prefix);
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const rows = this.q.listAt.all(lowerBound, prefixEnd(prefix), at, at, limit === -1 ? -1 : limit + 1);
    const more = limit !== -1 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toKeyValue);
    let remaining = 0;
    if (more && options.count) remaining = this.q.countAt.get(items[items.length - 1]!.key, prefixEnd(prefix), at, at)!.n;
    return { items, revision: at, more, remaining };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    return this.write(key, () => {
      if (this.recent.has(key)) throw new KeyExistsError(key);
      const latest = this.q.latest.get(key);
      if (latest && !latest.deleted) throw new KeyExistsError(key);
      const id = this.nextRevision();
      this.q.insert.run(id, key, 1, 0, 0, latest?.id ?? 0, value);
      return { type: "ADDED", kv: this.remember({ key, value, createRevision: id, modRevision: id }) };
    });
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.write(key, () => {
      const prev = this.newest(key);
      if (!prev) throw new KeyNotFoundError(key);
      if (prev.modRevision !== expectedRevision) throw new RevisionMismatchError(key, prev);
      const id = this.nextRevision();
      this.q.insert.run(id, key, 0, 0, prev.createRevision, prev.modRevision, value);
      return { type: "MODIFIED", kv: this.remember({ key, value, createRevision: prev.createRevision, modRevision: id }), prev };
    });
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.write(key, () => {
      const prev = this.newest(key);
      if (!prev) throw new KeyNotFoundError(key);
      if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) throw new RevisionMismatchError(key, prev);
      const id = this.nextRevision();
      this.q.insert.run(id, key, 0, 1, prev.createRevision, prev.modRevision, prev.value);
      this.recent.delete(key);
      return { type: "DELETED", kv: { ...prev, modRevision: id }, prev };
    });
  }

  async watch(prefix: string, fromRevision: number, listener: WatchListener, signal: AbortSignal): Promise<void> {
    if (fromRevision > 0 && fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    if (fromRevision > 0 && fromRevision < this.rev) {
      for (const row of this.q.since.iterate(fromRevision, prefix, prefixEnd(prefix))) listener(this.toEvent(row));
    }
    this.hub.subscribe(prefix, listener, signal);
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, this.rev);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      this.q.compactHistory.run(target, target);
      this.q.compactTombstones.run(target);
      this.q.setMeta.run("compact_rev", target);
    })();
    this.compacted = target;
  }

  async close(): Promise<void> {
    this.flush("soon");
    this.flush("turn");
    this.hub.clear();
    this.db.close();
  }

  /**
   * Queues a write for a group commit; revisions follow commit order, events publish after the commit.
   * Two lanes, as a priority: most writes wait for the end of this event-loop turn, so the requests of one
   * turn pay for one transaction between them (the bulk: pods, events, leases). Under load a turn is long
   * (tens of ms), and a controller that awaits its writes one after another would wait a turn for each;
   * writes to `prompt` keys (its objects, few) commit when the current task ends, with what else that
   * task wrote to them.
   */
  private write(key: string, body: () => StoreEvent): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      if (this.prompt(key)) {
        if (this.soon.push({ body, resolve, reject }) === 1) queueMicrotask(() => this.flush("soon"));
      } else if (this.turn.push({ body, resolve, reject }) === 1) setImmediate(() => this.flush("turn"));
    });
  }

  /** The next revision inside the running transaction; `assigned` is rolled back if the commit fails. */
  private nextRevision(): number {
    return ++this.assigned;
  }

  /** Commits the writes waiting in one lane (none waiting when close() committed them already). */
  private flush(lane: "soon" | "turn"): void {
    const batch = this[lane];
    if (batch.length === 0) return;
    this[lane] = [];
    let results: Array<StoreEvent | { error: unknown }>;
    this.assigned = this.rev;
    try {
      results = this.commitBatch(batch);
    } catch (err) {
      // Rolled back: what the batch remembered never happened.
      this.assigned = this.rev;
      this.recent.clear();
      for (const w of batch) w.reject(err);
      return;
    }
    results.forEach((r, i) => {
      if ("error" in r) return batch[i]!.reject(r.error);
      this.rev = r.kv.modRevision;
      this.hub.publish(r);
      batch[i]!.resolve(r.kv);
    });
  }

  private toEvent(row: Row): StoreEvent {
    const kv = toKeyValue(row);
    if (row.created) return { type: "ADDED", kv };
    const prevRow = this.q.byId.get(row.prev_revision);
    const prev = prevRow ? toKeyValue(prevRow) : undefined;
    return { type: row.deleted ? "DELETED" : "MODIFIED", kv, prev };
  }
}

function toKeyValue(row: Row): KeyValue {
  return {
    key: row.name,
    value: row.value,
    createRevision: row.created ? row.id : row.create_revision,
    modRevision: row.id,
  };
}

/** The greatest string sorting before every key with `prefix` (so `name > bound` includes them all). */
function prefixBefore(prefix: string): string {
  if (prefix === "") return "";
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last - 1) + "\uffff";
}
