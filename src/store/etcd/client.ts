/**
 * A thin etcd v3 client over @grpc/grpc-js: the KV, Watch and Maintenance.Status calls, with etcd's
 * messages generated from proto/etcd (written from upstream's field numbers).
 *
 * Why our own and not the npm `etcd3` package: etcd3 (microsoft/etcd3) has seen few releases in years and
 * brings protobufjs + proto-loader's runtime .proto parsing and a policy library beside the grpc-js we
 * already ship; its watcher resumes after a reconnect on its own terms (it re-emits from its last revision
 * but reports a compaction in between as an error event we would have to map back), and its builder API
 * allocates per call where the store's hot path (one txn per create) wants none. The store needs six calls;
 * writing them over grpc-js is ~150 lines whose every retry, deadline and resume is ours to state and test:
 *
 * - Several endpoints: one grpc channel each. A call goes to the current endpoint; when it is unreachable
 *   (UNAVAILABLE) the call moves to the next one and retries, until its deadline. Retrying a write is safe
 *   for the store: each is a compare-and-swap txn, so a write that did land fails its compare on the retry,
 *   never applies twice; the store then finds its own value there (`txn`'s `resent`) and reports success.
 * - Every unary call has a deadline (default 10 s): without quorum etcd answers "request timed out" or
 *   nothing, and the caller gets {@link EtcdUnavailableError}, never a hang.
 * - Watches (see watcher.ts) resume from their last revision on a new stream after any break.
 */
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import {
  CompactionRequestSchema, CompactionResponseSchema, DeleteRangeRequestSchema, DeleteRangeResponseSchema,
  PutRequestSchema, PutResponseSchema, RangeRequestSchema, RangeResponseSchema, StatusRequestSchema,
  StatusResponseSchema, TxnRequestSchema, TxnResponseSchema, WatchRequestSchema, WatchResponseSchema,
  type CompactionResponse, type DeleteRangeResponse, type PutResponse, type RangeResponse, type StatusResponse,
  type TxnResponse, type WatchRequest, type WatchResponse,
} from "./gen/etcdserverpb/rpc_pb.js";

export interface EtcdClientOptions {
  /** http://host:port or https://host:port, as --etcd-servers. */
  endpoints: string[];
  /** PEM: the CA that signed the servers' certificates (--etcd-cafile), and our client certificate and key. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Each unary call's deadline, retries included (default 10 s). */
  timeoutMs?: number;
}

/**
 * etcd could not be reached or did not answer in time (no quorum, every endpoint down). Its message is what
 * kube-apiserver's etcd client reports, and kube-apiserver passes on as a 500's Status message: etcd's own
 * error ("etcdserver: request timed out") when a member answered, else "context deadline exceeded".
 */
export class EtcdUnavailableError extends Error {
  constructor(readonly method: string, override readonly cause: unknown, etcdSaid?: string) {
    super(etcdSaid ?? etcdMessage(cause) ?? "context deadline exceeded");
    this.name = "EtcdUnavailableError";
  }

  /** The call and the gRPC error, for logs. */
  get detail(): string {
    return `etcd ${this.method} failed: ${(this.cause as Error).message ?? String(this.cause)}`;
  }
}

/** etcd's own error text when a member answered the call with one ("etcdserver: …"), not the transport. */
function etcdMessage(err: unknown): string | undefined {
  const details = (err as grpc.ServiceError).details;
  return typeof details === "string" && details.startsWith("etcdserver: ") ? details : undefined;
}

/**
 * The call's deadline passed: here (DEADLINE_EXCEEDED), or first on the member, which then answers its own
 * context's error as UNKNOWN "context deadline exceeded" (a linearizable read waiting for a leader).
 */
function timedOut(err: unknown): boolean {
  const { code, details } = err as grpc.ServiceError;
  return code === grpc.status.DEADLINE_EXCEEDED || (code === grpc.status.UNKNOWN && details === "context deadline exceeded");
}

type Init<D extends DescMessage> = MessageInitShape<D>;

export class EtcdClient {
  private readonly channels: grpc.Client[];
  private current = 0;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new TypeError("etcd client needs at least one endpoint");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.channels = options.endpoints.map((endpoint) => {
      const url = new URL(endpoint);
      const secure = url.protocol === "https:";
      if (!secure && url.protocol !== "http:") throw new TypeError(`etcd endpoint "${endpoint}" must be http:// or https://`);
      const credentials = secure
        ? grpc.credentials.createSsl(options.ca ?? null, options.key ?? null, options.cert ?? null)
        : grpc.credentials.createInsecure();
      return new grpc.Client(`${url.hostname}:${url.port || "2379"}`, credentials, {
        "grpc.max_receive_message_length": 256 * 1024 * 1024,
        "grpc.keepalive_time_ms": 30_000,
        "grpc.keepalive_timeout_ms": 10_000,
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 2_000,
      });
    });
  }

  range(req: Init<typeof RangeRequestSchema>): Promise<RangeResponse> {
    return this.unary("/etcdserverpb.KV/Range", RangeRequestSchema, RangeResponseSchema, req);
  }

  put(req: Init<typeof PutRequestSchema>): Promise<PutResponse> {
    return this.unary("/etcdserverpb.KV/Put", PutRequestSchema, PutResponseSchema, req);
  }

  deleteRange(req: Init<typeof DeleteRangeRequestSchema>): Promise<DeleteRangeResponse> {
    return this.unary("/etcdserverpb.KV/DeleteRange", DeleteRangeRequestSchema, DeleteRangeResponseSchema, req);
  }

  /**
   * `resent` is called when the txn is sent again after an UNAVAILABLE: the first send may have been applied
   * (a member killed after committing it, before answering; "request timed out" and committed later), so a
   * compare that fails now may have failed on this very txn's own write.
   */
  txn(req: Init<typeof TxnRequestSchema>, resent?: () => void): Promise<TxnResponse> {
    return this.unary("/etcdserverpb.KV/Txn", TxnRequestSchema, TxnResponseSchema, req, resent);
  }

  compact(req: Init<typeof CompactionRequestSchema>): Promise<CompactionResponse> {
    return this.unary("/etcdserverpb.KV/Compact", CompactionRequestSchema, CompactionResponseSchema, req);
  }

  /** The status of the member at `endpoint` (an index into the endpoints), for health checks. */
  status(endpoint = this.current): Promise<StatusResponse> {
    return this.call(this.channels[endpoint]!, "/etcdserverpb.Maintenance/Status", StatusRequestSchema, StatusResponseSchema, create(StatusRequestSchema), Date.now() + this.timeoutMs);
  }

  /** A new Watch stream on the current endpoint (its caller resumes on another when it breaks; see watcher.ts). */
  watchStream(): grpc.ClientDuplexStream<WatchRequest, WatchResponse> {
    if (this.closed) throw new EtcdUnavailableError("Watch", new Error("client closed"));
    // "hasleader" (clientv3's WithRequireLeader, as kube-apiserver's watches): a member cut off from the
    // leader ends the stream instead of leaving it silent, so the watch resumes on a member with quorum.
    const metadata = new grpc.Metadata();
    metadata.set("hasleader", "true");
    return this.channels[this.current]!.makeBidiStreamRequest(
      "/etcdserverpb.Watch/Watch",
      (m: WatchRequest) => asBuffer(toBinary(WatchRequestSchema, m)),
      (b: Buffer) => fromBinary(WatchResponseSchema, b),
      metadata,
    );
  }

  /** After a watch stream broke: try the next endpoint for the next one. */
  failover(): void {
    this.current = (this.current + 1) % this.channels.length;
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels) c.close();
  }

  private async unary<I extends DescMessage, O extends DescMessage>(
    method: string, input: I, output: O, req: Init<I>, resent?: () => void,
  ): Promise<MessageShape<O>> {
    const message = create(input, req);
    const deadline = Date.now() + this.timeoutMs;
    // What a member said on an earlier try ("etcdserver: request timed out"), for the error at the deadline.
    let etcdSaid: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const channel = this.channels[this.current]!;
      try {
        if (attempt > 0) resent?.();
        return await this.call(channel, method, input, output, message, deadline);
      } catch (err) {
        const code = (err as grpc.ServiceError).code;
        etcdSaid = etcdMessage(err) ?? etcdSaid;
        const retriable = code === grpc.status.UNAVAILABLE && !this.closed && Date.now() < deadline;
        if (!retriable) {
          if (code === grpc.status.UNAVAILABLE || timedOut(err)) throw new EtcdUnavailableError(method, err, etcdMessage(err) ?? etcdSaid);
          throw err;
        }
        if (this.channels[this.current] === channel) this.failover();
        // Every endpoint tried once: give the members a moment before the next round.
        if ((attempt + 1) % this.channels.length === 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  private call<I extends DescMessage, O extends DescMessage>(
    channel: grpc.Client, method: string, input: I, output: O, message: MessageShape<I>, deadline: number,
  ): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      channel.makeUnaryRequest(
        method,
        (m: MessageShape<I>) => asBuffer(toBinary(input, m)),
        (b: Buffer) => fromBinary(output, b),
        message,
        new grpc.Metadata(),
        { deadline },
        (err, res) => (err ? reject(err) : resolve(res!)),
      );
    });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes as a Buffer without copying them (Buffer.from(Uint8Array) copies through the pool). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Bytes etcd stored as the string they encode (UTF-8). */
export function text(b: Uint8Array): string {
  return decoder.decode(b);
}

/** A key or value as the bytes etcd stores. */
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The first key after every key starting with `prefix` (etcd's range_end for a prefix). */
export function rangeEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]); // every key
}

/** Whether a gRPC error is etcd's "required revision has been compacted". */
export function isCompactedError(err: unknown): boolean {
  return (err as grpc.ServiceError).code === grpc.status.OUT_OF_RANGE && /compacted/.test((err as Error).message);
}
