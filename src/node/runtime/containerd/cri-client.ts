import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { ImageService, RuntimeService } from "./gen/runtime/v1/api_pb.js";

/**
 * A typed client of the Container Runtime Interface (CRI v1, package runtime.v1) over gRPC on a unix
 * socket, as the kubelet's remote runtime and image services are: one promise-returning method per RPC of
 * the generated service descriptors, each call with a deadline. Messages are (de)serialized by the
 * generated schemas, so a field can only be sent with the number api.proto gives it.
 *
 * Errors: a failed call rejects with a CriError carrying the gRPC status code and the runtime's message
 * (`rpc error: code = NotFound desc = …`, as upstream's kubelet shows it).
 */

/** The CRI version this client speaks, as the kubelet asks for it in Version(). */
export const CRI_API_VERSION = "v1";

/** How long a call may take unless the caller says otherwise (upstream's --runtime-request-timeout: 2m). */
const DEFAULT_DEADLINE_MS = 120_000;

export interface CallOptions {
  /** Milliseconds from now; default 2 minutes. */
  timeoutMs?: number;
}

type UnaryMethod = { input: DescMessage; output: DescMessage };

/** The promise API of a generated service: `client.version({ version: "v1" })`. */
export type PromiseClient<S extends DescService> = S extends { method: infer M }
  ? { [K in keyof M]: M[K] extends UnaryMethod ? (request: MessageInitShape<M[K]["input"]>, opts?: CallOptions) => Promise<MessageShape<M[K]["output"]>> : never }
  : never;

/** A CRI call that failed: the gRPC status code and the runtime's words. */
export class CriError extends Error {
  constructor(readonly code: grpc.status, readonly details: string, method: string) {
    super(`rpc error: code = ${codeName(code)} desc = ${details}`);
    this.name = `CriError(${method})`;
  }
}

/** The runtime can't be used at all (no socket, not answering, another CRI version): one line for the user. */
export class RuntimeUnavailableError extends Error {}

/** Go's names of the gRPC codes, as `rpc error: code = NotFound` spells them. */
function codeName(code: grpc.status): string {
  const name = grpc.status[code] ?? String(code);
  return name.toLowerCase().split("_").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("").replace(/^Ok$/, "OK");
}

export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && err.code === grpc.status.NOT_FOUND;
}

function promiseClient<S extends DescService>(channel: grpc.Client, service: S): PromiseClient<S> {
  const out: Record<string, (request: object, opts?: CallOptions) => Promise<unknown>> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    const path = `/${service.typeName}/${method.name}`;
    const serialize = (value: object) => Buffer.from(toBinary(method.input, create(method.input, value as MessageInitShape<typeof method.input>)));
    const deserialize = (bytes: Buffer) => fromBinary(method.output, bytes);
    out[method.localName] = (request, opts) => new Promise((resolve, reject) => {
      const deadline = Date.now() + (opts?.timeoutMs ?? DEFAULT_DEADLINE_MS);
      channel.makeUnaryRequest(path, serialize, deserialize, request, new grpc.Metadata(), { deadline }, (err, value) => {
        if (err) reject(new CriError(err.code, err.details || err.message, method.name));
        else resolve(value);
      });
    });
  }
  return out as PromiseClient<S>;
}

export interface CriClient {
  readonly endpoint: string;
  readonly runtime: PromiseClient<typeof RuntimeService>;
  readonly images: PromiseClient<typeof ImageService>;
  close(): void;
}

/** A unix socket path as a gRPC target: `/run/x.sock` or `unix:///run/x.sock` → `unix:///run/x.sock`. */
export function unixTarget(endpoint: string): string {
  if (endpoint.startsWith("unix://")) return endpoint;
  if (endpoint.startsWith("/")) return `unix://${endpoint}`;
  throw new RuntimeUnavailableError(`container runtime endpoint "${endpoint}" is not a unix socket (unix:///path/to/socket)`);
}

/** A client of the CRI at `endpoint`; nothing is dialled until the first call (see `connectCri`). */
export function criClient(endpoint: string): CriClient {
  const target = unixTarget(endpoint);
  const channel = new grpc.Client(target, grpc.credentials.createInsecure(), {
    // Upstream's kubelet accepts 16 MiB answers (a node with many containers lists them all at once).
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
  });
  return {
    endpoint: target,
    runtime: promiseClient(channel, RuntimeService),
    images: promiseClient(channel, ImageService),
    close: () => channel.close(),
  };
}

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/**
 * Dials the runtime and checks it speaks CRI v1 (Version(), as the kubelet does at start-up): resolves to
 * its name and version, or rejects with a RuntimeUnavailableError whose message is one line for the user.
 */
export async function connectCri(endpoint: string, opts: { timeoutMs?: number } = {}): Promise<{ client: CriClient; version: RuntimeVersion }> {
  const client = criClient(endpoint);
  try {
    const v = await client.runtime.version({ version: CRI_API_VERSION }, { timeoutMs: opts.timeoutMs ?? 10_000 });
    if (v.runtimeApiVersion !== CRI_API_VERSION) {
      throw new RuntimeUnavailableError(`container runtime at ${client.endpoint} speaks CRI ${v.runtimeApiVersion || "(unknown)"}, not ${CRI_API_VERSION}`);
    }
    return { client, version: { runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion, runtimeApiVersion: v.runtimeApiVersion } };
  } catch (err) {
    client.close();
    if (err instanceof RuntimeUnavailableError) throw err;
    if (err instanceof CriError && err.code === grpc.status.UNIMPLEMENTED) {
      throw new RuntimeUnavailableError(`container runtime at ${client.endpoint} does not serve CRI ${CRI_API_VERSION} (runtime.v1.RuntimeService): ${err.details}`);
    }
    if (err instanceof CriError && (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)) {
      // grpc-js: "No connection established. Last error: Error: connect ENOENT /x.sock. Resolution note: " → the cause.
      const cause = /Last error: (?:Error: )?(.*?)\.?( Resolution note:.*)?$/.exec(err.details)?.[1] ?? err.details;
      throw new RuntimeUnavailableError(`cannot reach the container runtime at ${client.endpoint}: ${cause.trim()}`);
    }
    throw err;
  }
}
