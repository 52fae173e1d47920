/**
 * SPDY/3 frames (draft-mbelshe-httpbis-spdy-00, section 2), the subset Kubernetes' streaming protocols
 * use: kubectl's exec, attach, cp and port-forward before WebSockets, through moby/spdystream. Control
 * frames carry the version (3) and a type; data frames a stream id. Header blocks are compressed; this
 * file only lays frames out and splits a byte stream into them (see headers.ts for the blocks).
 *
 *   control: |1| version(15) | type(16) | flags(8) | length(24) | data
 *   data:    |0| stream id(31)          | flags(8) | length(24) | data
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5, INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9, FRAME_TOO_LARGE: 11,
} as const;

/** SETTINGS ids. */
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

/** A frame as read off the wire, header blocks still compressed. */
export type RawFrame =
  | { control: false; streamId: number; flags: number; data: Buffer }
  | { control: true; version: number; type: number; flags: number; data: Buffer };

/** The largest frame this side accepts: SPDY's length field allows 16 MiB, no peer of ours sends more than a few KiB. */
export const MAX_FRAME_LENGTH = 1 << 20;

export class SpdyProtocolError extends Error {}

/** Splits a byte stream into frames; `push` returns the frames completed by the chunk. */
export class FrameReader {
  private pending: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): RawFrame[] {
    this.pending.push(chunk);
    this.buffered += chunk.length;
    const frames: RawFrame[] = [];
    while (this.buffered >= 8) {
      const head = this.peek(8);
      const length = head.readUIntBE(5, 3);
      if (length > MAX_FRAME_LENGTH) throw new SpdyProtocolError(`frame of ${length} bytes is larger than ${MAX_FRAME_LENGTH}`);
      if (this.buffered < 8 + length) break;
      const whole = this.take(8 + length);
      const flags = whole[4]!;
      const data = whole.subarray(8);
      if (whole[0]! & 0x80) {
        frames.push({ control: true, version: whole.readUInt16BE(0) & 0x7fff, type: whole.readUInt16BE(2), flags, data });
      } else {
        frames.push({ control: false, streamId: whole.readUInt32BE(0) & 0x7fffffff, flags, data });
      }
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    const first = this.pending[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function frameHeader(word0: number, flags: number, length: number): Buffer {
  if (length > 0xffffff) throw new RangeError(`a SPDY frame holds at most 16 MiB, not ${length} bytes`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(word0 >>> 0, 0);
  head.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return head;
}

/** A control frame of `type` with its (already compressed, where it has a header block) payload. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([frameHeader((0x8000 | SPDY_VERSION) << 16 | type, flags, payload.length), payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  return Buffer.concat([frameHeader(streamId & 0x7fffffff, fin ? FLAG_FIN : 0, data.length), data]);
}

const u32 = (...values: number[]): Buffer => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.RST_STREAM, 0, u32(streamId & 0x7fffffff, status));
}

export function pingFrame(id: number): Buffer {
  return controlFrame(FrameType.PING, 0, u32(id));
}

export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  return controlFrame(FrameType.GOAWAY, 0, u32(lastGoodStreamId & 0x7fffffff, status));
}

export function windowUpdateFrame(streamId: number, delta: number): Buffer {
  return controlFrame(FrameType.WINDOW_UPDATE, 0, u32(streamId & 0x7fffffff, delta & 0x7fffffff));
}

export function settingsFrame(entries: Array<{ id: number; value: number; flags?: number }>): Buffer {
  const body = Buffer.alloc(4 + 8 * entries.length);
  body.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    body.writeUInt32BE(((e.flags ?? 0) << 24 | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
    body.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
  });
  return controlFrame(FrameType.SETTINGS, 0, body);
}

/** SYN_STREAM's fixed fields, before its compressed header block. */
export function synStreamPrefix(streamId: number, associatedTo = 0, priority = 0): Buffer {
  const b = Buffer.alloc(10);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE(associatedTo & 0x7fffffff, 4);
  b[8] = (priority & 0x7) << 5;
  return b;
}

/** The 31-bit stream id at the start of a control frame's payload (SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE). */
export function streamIdOf(frame: RawFrame & { control: true }): number {
  if (frame.data.length < 4) throw new SpdyProtocolError(`control frame of type ${frame.type} is too short`);
  return frame.data.readUInt32BE(0) & 0x7fffffff;
}

/** The u32 at `offset` of a control frame's payload, or a protocol error when the frame is too short. */
export function word(frame: RawFrame & { control: true }, offset: number): number {
  if (frame.data.length < offset + 4) throw new SpdyProtocolError(`control frame of type ${frame.type} is too short`);
  return frame.data.readUInt32BE(offset);
}
