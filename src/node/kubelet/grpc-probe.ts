import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { GRPCAction } from "kubernetes-types/core/v1.js";
import { goDuration } from "./backoff.js";

/**
 * A gRPC probe as the kubelet's (pkg/probe/grpc) runs it: the standard health-checking protocol
 * (grpc.health.v1.Health/Check, https://github.com/grpc/grpc/blob/master/doc/health-checking.md) over
 * plaintext, one connection a probe, the connection and the call within the probe's timeout; only
 * SERVING passes. The messages are upstream's, so events and probe output read the same.
 */

const CHECK = "/grpc.health.v1.Health/Check";
/** HealthCheckResponse.ServingStatus by number. */
const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];
/** grpc-go's names of the status codes, as its errors print them (`rpc error: code = NotFound desc = …`). */
const CODE_NAMES = [
  "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted",
  "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated",
];

/** A protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** HealthCheckRequest { string service = 1; } — nothing at all for the empty (whole server) service. */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service, "utf8");
  return Buffer.concat([Buffer.from([0x0a, ...varint(bytes.length)]), bytes]);
}

/** HealthCheckResponse { ServingStatus status = 1; }: the status's number (0, UNKNOWN, when absent); other fields skipped. */
export function decodeHealthCheckResponse(buf: Buffer): { status: number } {
  let i = 0;
  let result = 0;
  const readVarint = (): number => {
    let n = 0;
    for (let shift = 0; i < buf.length && shift < 35; shift += 7) {
      const b = buf[i++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new Error("truncated varint");
  };
  while (i < buf.length) {
    const key = readVarint();
    const [field, wire] = [Math.floor(key / 8), key & 7];
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) result = v;
    } else if (wire === 2) {
      const length = readVarint();
      i += length;
    }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return { status: result };
}

/** `host:port` as Go's net.JoinHostPort writes it (brackets around an IPv6 address). */
const joinHostPort = (host: string, port: number) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

/** The probe's verdict and upstream's words for it (probe.ts's ProbeResult). */
export interface GrpcProbeResult {
  ok: boolean;
  output: string;
}

export function grpcProbe(action: GRPCAction, host: string, timeoutMs: number): Promise<GrpcProbeResult> {
  const addr = joinHostPort(host, action.port);
  const service = action.service ?? "";
  const timeout = goDuration(timeoutMs);
  const deadline = Date.now() + timeoutMs;
  const client = new Client(addr, credentials.createInsecure(), {
    "grpc.primary_user_agent": "kube-probe/1.32",
    // One probe, one connection: nothing shared with (or kept open for) the next one.
    "grpc.use_local_subchannel_pool": 1,
  });
  return new Promise<GrpcProbeResult>((resolve) => {
    client.waitForReady(deadline, (err) => {
      if (err) {
        // grpc-go's blocking dial keeps retrying a refused or unreachable address until the deadline.
        return resolve({ ok: false, output: `timeout: failed to connect service "${addr}" within ${timeout}: context deadline exceeded` });
      }
      client.makeUnaryRequest(CHECK, encodeHealthCheckRequest, decodeHealthCheckResponse, service, new Metadata(), { deadline }, (callErr: ServiceError | null, value?: { status: number }) => {
        if (callErr) return resolve({ ok: false, output: rpcFailure(callErr, timeout) });
        const n = value?.status ?? 0;
        const serving = SERVING_STATUS[n] ?? String(n);
        resolve(serving === "SERVING" ? { ok: true, output: "service healthy" } : { ok: false, output: `service unhealthy (responded with "${serving}")` });
      });
    });
  }).finally(() => client.close());
}

function rpcFailure(err: ServiceError, timeout: string): string {
  if (err.code === status.UNIMPLEMENTED) return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`;
  if (err.code === status.DEADLINE_EXCEEDED) return `timeout: health rpc did not complete within ${timeout}`;
  return `error: health rpc probe failed: rpc error: code = ${CODE_NAMES[err.code] ?? `Code(${err.code})`} desc = ${err.details}`;
}
