import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, Readable } from "node:stream";
import type { Transport, TransportRequest, TransportResponse } from "../api/transport.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The request side: the body as a stream that isn't auto-closed, so 'close' means "the client went away";
 * `whole` hands the same bytes over in one piece, for a reader that needn't stream them.
 */
class InProcessRequest extends Readable {
  constructor(readonly method: string, readonly url: string, readonly headers: Record<string, string>, readonly whole: Buffer | undefined) {
    super({ autoDestroy: false, read() {} });
    if (whole) this.push(whole);
    this.push(null);
  }
}

/** The response side: the body is this stream; the head is reported once, when headers are sent. */
class InProcessResponse extends PassThrough {
  statusCode = 200;
  headersSent = false;
  private headLeft = false;
  private readonly head: Record<string, string | string[] | number | undefined> = {};

  constructor(private readonly onHead: (r: TransportResponse) => void) {
    // Text in, text out: a watch's JSON lines reach the client without a round trip through UTF-8 bytes.
    super({ decodeStrings: false, encoding: "utf8" });
  }

  setHeader(name: string, value: string | string[] | number): this {
    this.head[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): string | string[] | number | undefined {
    return this.head[name.toLowerCase()];
  }

  /** As node's: headers count as sent, but the head leaves with the first write, the end or flushHeaders(). */
  writeHead(code: number, headers: Record<string, string | string[] | number> = {}): this {
    this.statusCode = code;
    for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {
    this.sendHead();
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    if (this.destroyed) return false;
    this.sendHead();
    return super.write(chunk as Buffer, ...(rest as []));
  }

  override end(...args: unknown[]): this {
    if (this.destroyed) return this;
    // A body given whole to end() before anything else (every response but watches and logs) is handed
    // over as it is: the client needn't read it back through the stream.
    const [chunk] = args;
    this.sendHead(typeof chunk === "string" || Buffer.isBuffer(chunk) ? chunk : undefined);
    return super.end(...(args as [])) as this;
  }

  private sendHead(whole?: string | Buffer): void {
    if (this.headLeft) return;
    this.headLeft = true;
    this.headersSent = true;
    this.onHead({ statusCode: this.statusCode, headers: this.head, body: this, whole });
  }
}

/** A Transport that calls `handle` directly: no socket, no TLS, the same requests and responses. */
export function inProcessTransport(handle: Handler): Transport {
  return (request: TransportRequest) => new Promise<TransportResponse>((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
    if (request.body) headers["content-length"] = String(request.body.length);
    const req = new InProcessRequest(request.method, request.path, headers, request.body);
    const res = new InProcessResponse(resolve);
    const gone = () => {
      req.emit("close");
      res.destroy();
    };
    if (request.signal?.aborted) return reject(new Error("The request was aborted"));
    request.signal?.addEventListener("abort", gone, { once: true });
    res.once("close", () => request.signal?.removeEventListener("abort", gone));
    handle(req as unknown as IncomingMessage, res as unknown as ServerResponse).catch(reject);
  });
}
