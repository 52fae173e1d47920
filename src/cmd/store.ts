import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isWorkloadKey } from "../apiserver/prompt-writes.js";
import { storagePrefix } from "../apiserver/resource.js";
import { EtcdStore } from "../store/etcd/store.js";
import { MemoryStore } from "../store/memory.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";

/** Where an API server keeps its objects: --store and, for etcd, kube-apiserver's --etcd-* flags. */
export type StoreChoice =
  | { kind: "sqlite" }
  | { kind: "memory" }
  | { kind: "etcd"; servers: string[]; caFile?: string; certFile?: string; keyFile?: string; prefix: string };

/** The flags {@link storeChoice} reads (with their values as strings); the file flags are paths. */
export const STORE_FLAGS = ["store", "etcd-servers", "etcd-cafile", "etcd-certfile", "etcd-keyfile", "etcd-prefix"] as const;
export const STORE_PATH_FLAGS = ["etcd-cafile", "etcd-certfile", "etcd-keyfile"] as const;

export const STORE_USAGE = `          --store S        sqlite (default: DIR/state.sqlite), etcd (needs --etcd-servers), or memory
                           (nothing kept across a restart; for benchmarks)
          --etcd-servers URLS  etcd's client URLs, comma-separated (http:// or https://)
          --etcd-cafile F --etcd-certfile F --etcd-keyfile F  TLS to etcd: its CA, our client certificate and key
          --etcd-prefix P  where the objects live in etcd (default /registry, as kube-apiserver)
`;

/** A usage mistake in the store flags (the command prints it with its usage). */
export class StoreFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreFlagError";
  }
}

/** The store the flags ask for; throws StoreFlagError on a bad combination. */
export function storeChoice(v: Partial<Record<(typeof STORE_FLAGS)[number], string>>): StoreChoice {
  const kind = v.store ?? (v["etcd-servers"] ? "etcd" : "sqlite");
  const etcdOnly = STORE_FLAGS.filter((f) => f.startsWith("etcd-") && v[f] !== undefined);
  if (kind !== "etcd" && etcdOnly.length > 0) throw new StoreFlagError(`--${etcdOnly[0]} needs --store etcd`);
  if (kind === "sqlite" || kind === "memory") return { kind };
  if (kind !== "etcd") throw new StoreFlagError(`unknown store "${kind}" (want sqlite, etcd, or memory for throwaway clusters)`);
  const servers = (v["etcd-servers"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new StoreFlagError("--store etcd needs --etcd-servers (e.g. http://127.0.0.1:2379)");
  for (const s of servers) {
    if (!/^https?:\/\/[^/]+\/?$/.test(s)) throw new StoreFlagError(`--etcd-servers: "${s}" is not an http:// or https:// URL of host:port`);
  }
  if ((v["etcd-certfile"] === undefined) !== (v["etcd-keyfile"] === undefined)) throw new StoreFlagError("--etcd-certfile and --etcd-keyfile go together");
  const prefix = (v["etcd-prefix"] ?? "/registry").replace(/\/+$/, "");
  if (!prefix.startsWith("/")) throw new StoreFlagError(`--etcd-prefix "${v["etcd-prefix"]}" must start with /`);
  return { kind, servers, caFile: v["etcd-cafile"], certFile: v["etcd-certfile"], keyFile: v["etcd-keyfile"], prefix };
}

export interface OpenedStore {
  store: Store;
  /**
   * The ApiServer's compactionIntervalMs: the interval for SQLite and memory (the API server compacts
   * them), 0 for etcd, whose store runs upstream's compactor, elected among every API server through etcd.
   */
  apiServerCompactionMs: number;
}

/**
 * Opens the chosen store, as `tug up` and `tug apiserver` do. SQLite lives in DIR/state.sqlite; etcd keys
 * are the API server's /registry/… keys under --etcd-prefix; both compact every `compactionIntervalMs`.
 */
export async function openStore(
  choice: StoreChoice,
  options: { dataDir: string; compactionIntervalMs?: number; log?: (entry: { level: string; msg: string; [k: string]: unknown }) => void },
): Promise<OpenedStore> {
  const interval = options.compactionIntervalMs ?? 5 * 60_000;
  switch (choice.kind) {
    case "memory":
      return { store: new MemoryStore(), apiServerCompactionMs: interval };
    case "sqlite":
      return { store: new SqliteStore(join(options.dataDir, "state.sqlite"), { prompt: isWorkloadKey }), apiServerCompactionMs: interval };
    case "etcd": {
      const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
      const store = await EtcdStore.open({
        endpoints: choice.servers, ca: read(choice.caFile), cert: read(choice.certFile), key: read(choice.keyFile),
        prefix: choice.prefix, root: "/registry", compactionIntervalMs: interval, log: options.log,
        // What admission reads for every pod (upstream reads them from informers): no quorum read per create.
        cachedPrefixes: ["namespaces", "serviceaccounts"].map((plural) => storagePrefix({ group: "", plural })),
      });
      return { store, apiServerCompactionMs: 0 };
    }
  }
}
