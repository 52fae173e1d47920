import { bytes, type EtcdClient } from "./client.js";
import { Compare_CompareResult, Compare_CompareTarget } from "./gen/etcdserverpb/rpc_pb.js";

/** Upstream's key (k8s.io/apiserver storage/etcd3/compact.go): its version counts compaction rounds. */
export const COMPACT_KEY = "compact_rev_key";

export interface CompactorOptions {
  intervalMs: number;
  key?: string;
  log?: (entry: { level: string; msg: string; [k: string]: unknown }) => void;
}

/** What a compactor knows between rounds: the key's version it last saw, and the revision it noted then. */
export interface CompactorState {
  version: number;
  revision: number;
}

/**
 * Upstream's compactor, elected through etcd itself. Every round each API server tries one txn: "if the
 * compact key's version is still the one I saw last round, write the current revision into it". Exactly
 * one server's txn succeeds per round (the others learn the new version and try again next round); the
 * winner then compacts at the revision it noted the round before, so history one interval old is kept.
 * A server that just started wins nothing until it has seen the key once: no compaction at boot.
 *
 * Worked example, interval 5 min: round 1 at rev 100 (version 0 → 1, nothing to compact), round 2 at
 * rev 900 (version 1 → 2, compact at 100), round 3 at rev 1500 (version 2 → 3, compact at 900).
 */
export class EtcdCompactor {
  private state: CompactorState = { version: 0, revision: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly key: Uint8Array;

  constructor(
    private readonly client: EtcdClient,
    private readonly compact: (revision: number) => Promise<void>,
    private readonly options: CompactorOptions,
  ) {
    this.key = bytes(options.key ?? COMPACT_KEY);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.round().catch((err: unknown) => this.options.log?.({ level: "error", msg: "Compaction failed", err: String(err) }));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round; returns whether this server won it (and compacted, if it had a revision from the last). */
  async round(): Promise<boolean> {
    const res = await this.client.txn({
      compare: [{ key: this.key, target: Compare_CompareTarget.VERSION, result: Compare_CompareResult.EQUAL, targetUnion: { case: "version", value: BigInt(this.state.version) } }],
      success: [{ request: { case: "requestPut", value: { key: this.key, value: bytes(String(this.state.revision)) } } }],
      failure: [{ request: { case: "requestRange", value: { key: this.key } } }],
    });
    const current = Number(res.header!.revision);
    if (!res.succeeded) {
      const range = res.responses[0]?.response;
      const kv = range?.case === "responseRange" ? range.value.kvs[0] : undefined;
      this.state = { version: Number(kv?.version ?? 0n), revision: current };
      return false;
    }
    const previous = this.state.revision;
    this.state = { version: this.state.version + 1, revision: current };
    if (previous > 0) {
      await this.compact(previous);
      this.options.log?.({ level: "info", msg: "Compacted etcd", revision: previous });
    }
    return true;
  }
}
