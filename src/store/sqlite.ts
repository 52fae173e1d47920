import Database from "better-sqlite3";
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, prefixEnd,
  type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type WatchListener,
} from "./store.js";
import { WatchHub } from "./watch-hub.js";

/**
 * The embedded default Store: SQLite through better-sqlite3, MVCC as kine does it. Every write appends a
 * row whose id is the revision; a delete appends a tombstone carrying the last value. One transaction per
 * write, WAL journal, so a crash leaves either the whole write or none of it.
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
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub = new WatchHub();
  private rev: number;
  private compacted: number;
  private readonly q;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.durable ? "FULL" : "NORMAL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    const latestSelect = "SELECT * FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1";
    this.q = {
      latest: this.db.prepare<[string], Row>(latestSelect),
      byId: this.db.prepare<[number], Row>("SELECT * FROM kv WHERE id = ?"),
      insert: this.db.prepare<[string, number, number, number, number, string], { id: number }>(
        "INSERT INTO kv (name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
      listAt: this.db.prepare<[string, string, number, number], Row>(`
        SELECT kv.* FROM kv JOIN (SELECT MAX(id) AS id FROM kv WHERE name > ? AND name < ? AND id <= ? GROUP BY name) m
        ON kv.id = m.id WHERE kv.deleted = 0 ORDER BY kv.name LIMIT ?`),
      countAt: this.db.prepare<[string, string, number], { n: number }>(`
        SELECT COUNT(*) AS n FROM kv JOIN (SELECT MAX(id) AS id FROM kv WHERE name > ? AND name < ? AND id <= ? GROUP BY name) m
        ON kv.id = m.id WHERE kv.deleted = 0`),
      since: this.db.prepare<[number, string, string], Row>(
        "SELECT * FROM kv WHERE id > ? AND name >= ? AND name < ? ORDER BY id"),
      seq: this.db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'kv'"),
      getMeta: this.db.prepare<[string], { value: number }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: this.db.prepare<[string, number]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      compactHistory: this.db.prepare<[number, number]>(
        "DELETE FROM kv WHERE id <= ? AND id NOT IN (SELECT MAX(id) FROM kv WHERE id <= ? GROUP BY name)"),
      compactTombstones: this.db.prepare<[number]>("DELETE FROM kv WHERE id <= ? AND deleted = 1"),
    };
    this.rev = this.q.seq.get()?.seq ?? 0;
    this.compacted = this.q.getMeta.get("compact_rev")?.value ?? 0;
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const row = this.q.latest.get(key);
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  async count(prefix: string): Promise<number> {
    return this.q.countAt.get(prefix, prefixEnd(prefix), this.rev)!.n;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const at = options.revision || this.rev;
    if (at < this.compacted) throw new CompactedError(at, this.compacted);
    const lowerBound = options.after && options.after >= prefix ? options.after : prefixBefore(prefix);
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const rows = this.q.listAt.all(lowerBound, prefixEnd(prefix), at, limit === -1 ? -1 : limit + 1);
    const more = limit !== -1 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toKeyValue);
    let remaining = 0;
    if (more) remaining = this.q.countAt.get(items[items.length - 1]!.key, prefixEnd(prefix), at)!.n;
    return { items, revision: at, more, remaining };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    return this.write(() => {
      const latest = this.q.latest.get(key);
      if (latest && !latest.deleted) throw new KeyExistsError(key);
      const { id } = this.q.insert.get(key, 1, 0, 0, latest?.id ?? 0, value)!;
      return { type: "ADDED", kv: { key, value, createRevision: id, modRevision: id } };
    });
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.write(() => {
      const latest = this.q.latest.get(key);
      if (!latest || latest.deleted) throw new KeyNotFoundError(key);
      const prev = toKeyValue(latest);
      if (prev.modRevision !== expectedRevision) throw new RevisionMismatchError(key, prev);
      const { id } = this.q.insert.get(key, 0, 0, prev.createRevision, prev.modRevision, value)!;
      return { type: "MODIFIED", kv: { key, value, createRevision: prev.createRevision, modRevision: id }, prev };
    });
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.write(() => {
      const latest = this.q.latest.get(key);
      if (!latest || latest.deleted) throw new KeyNotFoundError(key);
      const prev = toKeyValue(latest);
      if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) throw new RevisionMismatchError(key, prev);
      const { id } = this.q.insert.get(key, 0, 1, prev.createRevision, prev.modRevision, prev.value)!;
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
    this.hub.clear();
    this.db.close();
  }

  private write(body: () => StoreEvent): KeyValue {
    const event = this.db.transaction(body)();
    this.rev = event.kv.modRevision;
    this.hub.publish(event);
    return event.kv;
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
