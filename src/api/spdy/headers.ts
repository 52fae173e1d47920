import { constants, createDeflate, createInflate, type Deflate, type Inflate } from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.js";
import { SpdyProtocolError } from "./frames.js";

/** A SPDY header block: lower-case names, each with one or more values (NUL-separated on the wire). */
export type SpdyHeaders = Record<string, string[]>;

/** The most a header block may inflate to: Kubernetes' streams carry a handful of short headers. */
export const MAX_HEADER_BLOCK = 64 * 1024;

/**
 * The uncompressed name/value block of SPDY/3: a 32-bit count, then each name and value with a 32-bit
 * length. Names are lower-cased, as SPDY requires.
 */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const length = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(length(entries.length));
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), "utf8");
    const v = Buffer.from(values.join("\0"), "utf8");
    parts.push(length(n.length), n, length(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let at = 0;
  const u32 = () => {
    if (at + 4 > block.length) throw new SpdyProtocolError("header block is truncated");
    const v = block.readUInt32BE(at);
    at += 4;
    return v;
  };
  const bytes = (n: number) => {
    if (at + n > block.length) throw new SpdyProtocolError("header block is truncated");
    const v = block.subarray(at, at + n);
    at += n;
    return v;
  };
  const count = u32();
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = bytes(u32()).toString("utf8");
    const value = bytes(u32()).toString("utf8");
    if (name === "" || name !== name.toLowerCase()) throw new SpdyProtocolError(`header name ${JSON.stringify(name)} is not lower case`);
    if (headers[name]) throw new SpdyProtocolError(`header ${JSON.stringify(name)} appears twice`);
    headers[name] = value.split("\0");
  }
  return headers;
}

/**
 * One direction's header compression: SPDY compresses every header block of a connection in one zlib
 * stream (preset with SPDY3_DICTIONARY), each block ending in a sync flush. Calls are serialised, so the
 * blocks come out in the order they went in.
 */
export class HeaderCompressor {
  private readonly deflate: Deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  private queue: Promise<unknown> = Promise.resolve();

  compress(headers: SpdyHeaders): Promise<Buffer> {
    const block = encodeHeaderBlock(headers);
    const done = this.queue.then(() => flushThrough(this.deflate, block, Infinity));
    this.queue = done.catch(() => {});
    return done;
  }

  close(): void {
    this.deflate.close();
  }
}

/** The other direction: inflates each header block the peer sent, in the peer's one zlib stream. */
export class HeaderDecompressor {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private queue: Promise<unknown> = Promise.resolve();

  decompress(compressed: Buffer): Promise<SpdyHeaders> {
    const done = this.queue.then(async () => decodeHeaderBlock(await flushThrough(this.inflate, compressed, MAX_HEADER_BLOCK)));
    this.queue = done.catch(() => {});
    return done;
  }

  close(): void {
    this.inflate.close();
  }
}

/** Writes `input` through a zlib stream, sync-flushes, and returns what came out (at most `limit` bytes). */
function flushThrough(stream: Deflate | Inflate, input: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !failed) {
        failed = true;
        reject(new SpdyProtocolError(`header block inflates to more than ${limit} bytes`));
      }
      out.push(chunk);
    };
    const onError = (err: Error) => {
      stream.off("data", onData);
      if (!failed) reject(new SpdyProtocolError(`header block: ${err.message}`));
      failed = true;
    };
    stream.on("data", onData);
    stream.once("error", onError);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off("data", onData);
      stream.off("error", onError);
      if (!failed) resolve(Buffer.concat(out));
    });
  });
}
