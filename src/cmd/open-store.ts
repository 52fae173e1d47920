import { join } from "node:path";
import { isWorkloadKey } from "../apiserver/prompt-writes.js";
import { MemoryStore } from "../store/memory.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";

/** The store flags `tug up` and `tug apiserver` share (--store, and DIR for SQLite's file). */
export interface StoreFlags {
  /** sqlite keeps everything in DIR/state.sqlite; memory keeps nothing across a restart. */
  store: "sqlite" | "memory";
  dataDir: string;
}

/**
 * The one place a command opens its store, for `tug up` and `tug apiserver` alike: where `--store etcd`
 * (and its --etcd-servers, --etcd-cafile … flags) plugs in, so both commands take the same store flags.
 */
export function openStore(flags: StoreFlags): Store {
  return flags.store === "memory" ? new MemoryStore() : new SqliteStore(join(flags.dataDir, "state.sqlite"), { prompt: isWorkloadKey });
}
