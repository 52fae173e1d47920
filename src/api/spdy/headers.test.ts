import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync, deflateSync, constants } from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.js";
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, MAX_HEADER_BLOCK, type SpdyHeaders } from "./headers.js";
import { SpdyProtocolError } from "./frames.js";

/** RFC 1950's Adler-32, which a zlib stream with a preset dictionary names the dictionary by. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

describe("SPDY header blocks", () => {
  test("the dictionary is SPDY/3's: 1,423 bytes, length-prefixed names first", () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.deepEqual([...SPDY3_DICTIONARY.subarray(0, 11)], [0, 0, 0, 7, ...Buffer.from("options")]);
    assert.equal(SPDY3_DICTIONARY.subarray(-7).toString(), ",enq=0.");
  });

  test("a block lists lower-case names with NUL-joined values", () => {
    const block = encodeHeaderBlock({ streamtype: ["stdout"], "X-Multi": ["a", "b"] });
    assert.deepEqual(decodeHeaderBlock(block), { streamtype: ["stdout"], "x-multi": ["a", "b"] });
    assert.equal(block.readUInt32BE(0), 2);
  });

  test("blocks compress in one zlib stream per direction, each readable as it arrives", async () => {
    const out = new HeaderCompressor();
    const inn = new HeaderDecompressor();
    const blocks: SpdyHeaders[] = [{ streamtype: ["error"] }, { streamtype: ["stdout"], port: ["8080"] }, { streamtype: ["error"] }];
    const compressed = await Promise.all(blocks.map((b) => out.compress(b)));
    // The third block repeats the first: the shared context makes it smaller.
    assert.ok(compressed[2]!.length < compressed[0]!.length);
    for (const [i, c] of compressed.entries()) assert.deepEqual(await inn.decompress(c), blocks[i]);
    out.close();
    inn.close();
  });

  test("the zlib stream names SPDY's dictionary, so any SPDY/3 peer inflates it", async () => {
    const c = new HeaderCompressor();
    const first = await c.compress({ streamtype: ["data"] });
    c.close();
    // FDICT set, DICTID = the dictionary's Adler-32.
    assert.equal(first[1]! & 0x20, 0x20);
    assert.equal(first.readUInt32BE(2), adler32(SPDY3_DICTIONARY));
    const inflated = inflateSync(first, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    assert.deepEqual(decodeHeaderBlock(inflated), { streamtype: ["data"] });
  });

  test("a block that inflates past the limit, or isn't zlib, is a protocol error", async () => {
    const bomb = deflateSync(Buffer.alloc(MAX_HEADER_BLOCK * 4), { dictionary: SPDY3_DICTIONARY });
    await assert.rejects(new HeaderDecompressor().decompress(bomb), SpdyProtocolError);
    await assert.rejects(new HeaderDecompressor().decompress(Buffer.from("not zlib at all")), SpdyProtocolError);
  });

  test("truncated blocks, upper-case or repeated names are protocol errors", () => {
    assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9])), SpdyProtocolError);
    const dup = Buffer.concat([Buffer.from([0, 0, 0, 2]), ...[0, 1].flatMap(() => [Buffer.from([0, 0, 0, 1]), Buffer.from("a"), Buffer.from([0, 0, 0, 0])])]);
    assert.throws(() => decodeHeaderBlock(dup), SpdyProtocolError);
    const upper = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from("A"), Buffer.from([0, 0, 0, 0])]);
    assert.throws(() => decodeHeaderBlock(upper), SpdyProtocolError);
  });
});
