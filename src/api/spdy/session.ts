import { EventEmitter } from "node:events";
import { Duplex } from "node:stream";
import {
  controlFrame, dataFrame, FLAG_FIN, FrameReader, FrameType, goAwayFrame, pingFrame, rstStreamFrame, RstStatus,
  SpdyProtocolError, streamIdOf, synStreamPrefix, windowUpdateFrame, word, type RawFrame,
} from "./frames.js";
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from "./headers.js";

/** Streams a session keeps open at once; a peer opening more gets REFUSED_STREAM (kubectl opens five). */
const MAX_STREAMS = 1024;
/** SPDY/3's initial window: received bytes are acknowledged in WINDOW_UPDATEs of about this size. */
const WINDOW = 64 * 1024;

/**
 * One stream of a SPDY session, as a Node Duplex: what is written goes out as DATA frames (FIN on end),
 * what the peer sends comes out as data (end on the peer's FIN). Its `headers` are those of the
 * SYN_STREAM that opened it. A stream the peer opens must be `reply()`-ed before data flows, as SPDY's
 * SYN_REPLY does; spdystream (kubectl, the kubelet) ignores flow control, and so does this side when it
 * sends, while it acknowledges what it receives for peers that don't.
 */
export class SpdyStream extends Duplex {
  private replied: Promise<void> | undefined;
  private unacknowledged = 0;
  /** The peer sent FIN or RST: nothing more arrives. */
  remoteClosed = false;

  constructor(readonly session: SpdySession, readonly id: number, readonly headers: SpdyHeaders, openedHere: boolean) {
    super({ allowHalfOpen: true });
    this.replied = openedHere ? Promise.resolve() : undefined;
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: SpdyHeaders = {}): Promise<void> {
    // Data written meanwhile waits for the SYN_REPLY (its headers compress asynchronously): DATA before
    // the reply is dropped by spdystream.
    this.replied ??= this.session.sendHeaders(FrameType.SYN_REPLY, this.id, headers);
    return this.replied;
  }

  /** Refuses or cancels the stream (RST_STREAM), dropping anything not yet sent. */
  reset(status: number = RstStatus.CANCEL): void {
    this.session.send(rstStreamFrame(this.id, status));
    this.session.forget(this.id);
    this.remoteClosed = true;
    this.destroy();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    void this.reply().then(() => {
      for (let at = 0; at < chunk.length; at += 0xffff) this.session.send(dataFrame(this.id, chunk.subarray(at, at + 0xffff)));
      // Backpressure: the next write waits while the connection can't take more (a slow client).
      this.session.whenDrained(() => done());
    }, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    void this.reply().then(() => {
      this.session.send(dataFrame(this.id, Buffer.alloc(0), true));
      this.session.localFinished(this);
      done();
    }, done);
  }

  /** @internal The session hands over what the peer sent. */
  received(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length > 0) {
      this.push(data);
      this.unacknowledged += data.length;
      if (this.unacknowledged >= WINDOW / 2) {
        this.session.send(windowUpdateFrame(this.id, this.unacknowledged));
        this.unacknowledged = 0;
      }
    }
    if (fin) this.closedByPeer();
  }

  /** @internal */
  closedByPeer(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.session.remoteFinished(this);
  }
}

export interface SpdySessionOptions {
  /** The server side opens even-numbered streams and answers odd pings; the client the other way round. */
  server: boolean;
}

/**
 * A SPDY/3 session over an upgraded connection: frames in and out, the two header compression contexts,
 * streams by id, PING answered, GOAWAY and RST honoured. A protocol error from the peer ends the session
 * with GOAWAY, never the process. Emits `stream` for each stream the peer opens, `close` once.
 */
export class SpdySession extends EventEmitter<{ stream: [SpdyStream]; close: [Error | undefined] }> {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private nextStreamId: number;
  private lastPeerStream = 0;
  private inbound: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly socket: Duplex, private readonly opts: SpdySessionOptions) {
    super();
    this.nextStreamId = opts.server ? 2 : 1;
    socket.on("data", (chunk: Buffer) => {
      let frames: RawFrame[];
      try {
        frames = this.reader.push(chunk);
      } catch (err) {
        return this.fail(err as Error);
      }
      // Header blocks inflate asynchronously: frames are handled strictly in order.
      for (const frame of frames) this.inbound = this.inbound.then(() => this.handle(frame)).catch((err: Error) => this.fail(err));
    });
    socket.on("error", (err) => this.close(err));
    socket.on("close", () => this.close());
  }

  /** Opens a stream (SYN_STREAM); FIN at once for a stream that only receives, as kubectl's error stream. */
  async open(headers: SpdyHeaders): Promise<SpdyStream> {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, headers, true);
    this.streams.set(id, stream);
    const block = await this.compressor.compress(headers);
    this.send(controlFrame(FrameType.SYN_STREAM, 0, Buffer.concat([synStreamPrefix(id), block])));
    return stream;
  }

  /** Ends the session: GOAWAY, then the connection is closed once what is queued is written. */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.socket.destroyed && this.socket.writable) this.socket.end(goAwayFrame(this.lastPeerStream, err ? 1 : 0));
    for (const s of this.streams.values()) {
      s.remoteClosed = true;
      s.destroy();
    }
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.emit("close", err);
  }

  /** @internal */
  send(frame: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(frame);
  }

  /** @internal Calls `then` once the connection's write buffer is below its high-water mark. */
  whenDrained(then: () => void): void {
    const socket = this.socket as Duplex & { writableNeedDrain?: boolean };
    if (!socket.writableNeedDrain || this.closed || socket.destroyed) return then();
    const go = () => {
      socket.off("drain", go);
      this.off("close", go);
      then();
    };
    socket.on("drain", go);
    this.on("close", go);
  }

  /** @internal SYN_REPLY or HEADERS with a compressed block. */
  async sendHeaders(type: number, streamId: number, headers: SpdyHeaders): Promise<void> {
    const block = await this.compressor.compress(headers);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(streamId);
    this.send(controlFrame(type, 0, Buffer.concat([id, block])));
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** @internal This side sent FIN: the stream is done once the peer's FIN has come too. */
  localFinished(stream: SpdyStream): void {
    if (stream.remoteClosed) this.streams.delete(stream.id);
  }

  /** @internal */
  remoteFinished(stream: SpdyStream): void {
    if (stream.writableFinished) this.streams.delete(stream.id);
  }

  private fail(err: Error): void {
    this.close(err instanceof SpdyProtocolError ? err : new SpdyProtocolError(err.message));
  }

  private async handle(frame: RawFrame): Promise<void> {
    if (this.closed) return;
    if (!frame.control) return this.streams.get(frame.streamId)?.received(frame.data, (frame.flags & FLAG_FIN) !== 0);
    if (frame.version !== 3) throw new SpdyProtocolError(`SPDY version ${frame.version} is not supported`);
    switch (frame.type) {
      case FrameType.SYN_STREAM: {
        const id = streamIdOf(frame);
        if (frame.data.length < 10) throw new SpdyProtocolError("SYN_STREAM is too short");
        const headers = await this.decompressor.decompress(frame.data.subarray(10));
        if (id === 0 || id % 2 === (this.opts.server ? 0 : 1) || id <= this.lastPeerStream) throw new SpdyProtocolError(`stream id ${id} is out of order`);
        this.lastPeerStream = id;
        if (this.streams.size >= MAX_STREAMS) return this.send(rstStreamFrame(id, RstStatus.REFUSED_STREAM));
        const stream = new SpdyStream(this, id, headers, false);
        this.streams.set(id, stream);
        this.emit("stream", stream);
        if (frame.flags & FLAG_FIN) stream.closedByPeer();
        return;
      }
      case FrameType.SYN_REPLY:
      case FrameType.HEADERS: {
        const stream = this.streams.get(streamIdOf(frame));
        await this.decompressor.decompress(frame.data.subarray(4));
        if (stream && frame.flags & FLAG_FIN) stream.closedByPeer();
        return;
      }
      case FrameType.RST_STREAM: {
        const stream = this.streams.get(streamIdOf(frame));
        this.streams.delete(streamIdOf(frame));
        if (stream) {
          stream.remoteClosed = true;
          stream.destroy();
        }
        return;
      }
      case FrameType.PING: {
        const id = word(frame, 0);
        // A ping of the peer's parity is answered with itself; ours coming back needs nothing.
        if (id % 2 === (this.opts.server ? 1 : 0)) this.send(pingFrame(id));
        return;
      }
      case FrameType.GOAWAY:
        return this.close();
      default:
        // SETTINGS, WINDOW_UPDATE (ignored, as spdystream does) and unknown types.
        return;
    }
  }
}
