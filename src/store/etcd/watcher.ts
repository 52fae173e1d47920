import type { ClientDuplexStream } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { WatchRequestSchema, type WatchRequest, type WatchResponse } from "./gen/etcdserverpb/rpc_pb.js";
import type { Event } from "./gen/mvccpb/kv_pb.js";
import type { EtcdClient } from "./client.js";

export interface EtcdWatchHandlers {
  /** Changes in revision order; every revision before the last one's is delivered. */
  events(events: Event[]): void;
  /** Every change up to `revision` has been delivered (etcd's progress notification). */
  progress?(revision: number): void;
  /**
   * The watch cannot go on: the history it needs to resume was compacted while it was disconnected.
   * Nothing more is delivered.
   */
  lost(compactRevision: number): void;
}

/** Back-off between a broken watch stream and the next, doubled up to the cap, with jitter. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

/**
 * One etcd watch over a key range, with previous values and progress notifications, that outlives its
 * stream. Guarantees: events arrive once each, in revision order, with no gap: after a stream breaks
 * (member down, leader change, network) it opens a new one — on the next endpoint, after a jittered
 * back-off — from the revision after the last it delivered or was told of by a progress notification.
 * If that history was compacted meanwhile it calls `lost` and stops: it never skips changes silently.
 */
export class EtcdWatch {
  /** The revision the next stream starts from (0 until the first stream told us "now"). */
  private next: number;
  private stream: ClientDuplexStream<WatchRequest, WatchResponse> | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private onCreated: ((revision: number) => void) | undefined;

  constructor(
    private readonly client: EtcdClient,
    private readonly key: Uint8Array,
    private readonly end: Uint8Array,
    /** The first revision to deliver; 0: the changes after now. */
    from: number,
    private readonly handlers: EtcdWatchHandlers,
  ) {
    this.next = from;
  }

  /** Opens the watch; resolves with the revision it was created at (its changes start after it, or at `from`). */
  start(): Promise<number> {
    return new Promise((resolve) => {
      this.onCreated = resolve;
      this.open();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stream?.cancel();
    this.stream = undefined;
  }

  private open(): void {
    if (this.stopped) return;
    let stream: ClientDuplexStream<WatchRequest, WatchResponse>;
    try {
      stream = this.client.watchStream();
    } catch {
      return; // the client is closed
    }
    this.stream = stream;
    stream.on("data", (res: WatchResponse) => this.receive(res));
    const broken = () => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.stopped) return;
      this.client.failover();
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.failures++);
      this.retry = setTimeout(() => this.open(), delay / 2 + Math.random() * delay / 2);
    };
    stream.on("error", broken);
    stream.on("end", broken);
    stream.write(create(WatchRequestSchema, {
      requestUnion: {
        case: "createRequest",
        value: { key: this.key, rangeEnd: this.end, startRevision: BigInt(this.next), prevKv: true, progressNotify: true },
      },
    }));
  }

  private receive(res: WatchResponse): void {
    if (this.stopped) return;
    const revision = Number(res.header?.revision ?? 0n);
    if (res.created) {
      this.failures = 0;
      if (this.next === 0) this.next = revision + 1;
      this.onCreated?.(revision);
      this.onCreated = undefined;
    }
    if (res.canceled || res.compactRevision > 0n) {
      const compacted = Number(res.compactRevision);
      if (compacted > 0) {
        this.stop();
        this.handlers.lost(compacted);
      } else {
        // Canceled for another reason (e.g. the member is shutting down): resume on a new stream.
        this.stream?.cancel();
      }
      return;
    }
    if (res.events.length > 0) {
      this.next = Number(res.events[res.events.length - 1]!.kv!.modRevision) + 1;
      this.handlers.events(res.events);
    } else if (!res.created && revision >= this.next) {
      this.next = revision + 1;
      this.handlers.progress?.(revision);
    }
  }
}
