import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { dataFrame, FrameReader, FrameType, goAwayFrame, MAX_FRAME_LENGTH, pingFrame, rstStreamFrame, settingsFrame, SpdyProtocolError, streamIdOf, windowUpdateFrame, word } from "./frames.js";

describe("SPDY frames", () => {
  test("a data frame: stream id, FIN flag and payload", () => {
    const bytes = dataFrame(5, Buffer.from("hi"), true);
    assert.deepEqual([...bytes], [0, 0, 0, 5, 1, 0, 0, 2, 0x68, 0x69]);
    assert.deepEqual(new FrameReader().push(bytes), [{ control: false, streamId: 5, flags: 1, data: Buffer.from("hi") }]);
  });

  test("a control frame: the control bit, version 3, type, flags and length", () => {
    const bytes = pingFrame(7);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x80, 3, 0, FrameType.PING, 0, 0, 0, 4]);
    const [frame] = new FrameReader().push(bytes);
    assert.ok(frame?.control);
    assert.deepEqual([frame.version, frame.type, word(frame, 0)], [3, FrameType.PING, 7]);
  });

  test("frames split across chunks at any byte come out whole and in order", () => {
    const stream = Buffer.concat([rstStreamFrame(3, 5), dataFrame(1, Buffer.alloc(300, 7)), windowUpdateFrame(1, 65536), goAwayFrame(9)]);
    const reader = new FrameReader();
    const frames = [];
    for (let i = 0; i < stream.length; i += 7) frames.push(...reader.push(stream.subarray(i, i + 7)));
    assert.deepEqual(frames.map((f) => (f.control ? `c${f.type}` : `d${f.streamId}:${f.data.length}`)), ["c3", "d1:300", "c9", "c7"]);
    const rst = frames[0]!;
    assert.ok(rst.control);
    assert.deepEqual([streamIdOf(rst), word(rst, 4)], [3, 5]);
  });

  test("a SETTINGS frame carries flags, id and value per entry", () => {
    const [frame] = new FrameReader().push(settingsFrame([{ id: 7, value: 1 << 20, flags: 1 }]));
    assert.ok(frame?.control);
    assert.deepEqual([word(frame, 0), word(frame, 4), word(frame, 8)], [1, (1 << 24) | 7, 1 << 20]);
  });

  test("a frame announcing more than the limit is a protocol error before it is buffered", () => {
    const head = Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]);
    head.writeUIntBE(MAX_FRAME_LENGTH + 1, 5, 3);
    assert.throws(() => new FrameReader().push(head), SpdyProtocolError);
  });

  test("a control frame too short for its fields is a protocol error, not a crash", () => {
    const [frame] = new FrameReader().push(Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 2, 0, 1]));
    assert.ok(frame?.control);
    assert.throws(() => word(frame, 4), SpdyProtocolError);
  });
});
