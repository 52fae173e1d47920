/**
 * The revisioned key-value contract every backend implements (as etcd and kine): each write gets the next
 * global revision; a key's modRevision is the revision of its last write. Errors are a closed list below.
 */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export type StoreEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A change. For DELETED, `kv` holds the last value with the deletion's revision as modRevision. */
export interface StoreEvent {
  type: StoreEventType;
  kv: KeyValue;
  prev?: KeyValue;
}

export interface ListOptions {
  /** At most this many items; `more` tells whether others follow. */
  limit?: number;
  /** Start strictly after this key (a continue token's position). */
  after?: string;
  /** List as of this revision (0 or absent: now). Older than the compacted revision → CompactedError. */
  revision?: number;
  /** Also count the items left after this page (`remaining`); SQLite pays a scan of them for it. */
  count?: boolean;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list reflects. */
  revision: number;
  more: boolean;
  /** How many items are left after this page, when `more` and `count` was asked for (0 otherwise). */
  remaining: number;
}

export type WatchListener = (event: StoreEvent) => void;

export interface Store {
  /** The newest revision written. */
  revision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Throws KeyExistsError when the key exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Throws KeyNotFoundError, or RevisionMismatchError when the key's modRevision isn't `expectedRevision`. */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Deletes and returns the last value; with `expectedRevision`, only when it matches. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Calls `listener` for every change under `prefix` after `fromRevision` (0: from now), replaying history
   * first, in revision order, until `signal` aborts. Throws CompactedError when that history is gone.
   */
  watch(
    prefix: string, fromRevision: number, listener: WatchListener, signal: AbortSignal,
    /** Called when the watch cannot go on (a distributed store lost the history it missed); it is over. */
    onError?: (err: CompactedError) => void,
  ): Promise<void>;
  /** Forgets history up to `revision`; later watches and lists from before it get CompactedError. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`Key "${key}" already exists`);
    this.name = "KeyExistsError";
  }
}

export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`Key "${key}" not found`);
    this.name = "KeyNotFoundError";
  }
}

export class RevisionMismatchError extends Error {
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`Key "${key}" is at revision ${current.modRevision}`);
    this.name = "RevisionMismatchError";
  }
}

export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`Revision ${requested} has been compacted (oldest available ${compacted + 1})`);
    this.name = "CompactedError";
  }
}

/** The exclusive upper bound of keys with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix + "\uffff";
}
