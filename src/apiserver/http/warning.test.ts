import { test } from "node:test";
import assert from "node:assert/strict";
import { warningHeaders } from "./warning.js";

const utf8 = (header: string) => Buffer.from(header, "latin1").toString("utf8");

test("warningHeaders quotes as upstream: 299, agent -, \" and \\ escaped, duplicates once", () => {
  assert.deepEqual(warningHeaders(['unknown field "a"', 'unknown field "a"', "back\\slash", ""]), [
    '299 - "unknown field \\"a\\""',
    '299 - "back\\\\slash"',
  ]);
});

test("warningHeaders sends text outside Latin-1 as its UTF-8 bytes, which Node writes as they are", () => {
  const [h] = warningHeaders(['unknown field "日本語😀ü"']);
  assert.ok(/^[\x20-\xff]*$/.test(h!), "every character is one byte");
  assert.equal(utf8(h!), '299 - "unknown field \\"日本語😀ü\\""');
});

test("warningHeaders turns control characters into spaces and broken UTF-16 into U+FFFD", () => {
  assert.deepEqual(warningHeaders(["a\r\nb\u0000c\u007fd\te"]).map(utf8), ['299 - "a  b c d\te"']);
  assert.deepEqual(warningHeaders(["x\ud800y"]).map(utf8), ['299 - "x\ufffdy"']);
});

test("warningHeaders past 4,096 characters cuts each text to 256 and leaves out what still does not fit", () => {
  const texts = Array.from({ length: 40 }, (_, i) => `${i}:${"w".repeat(1000)}`);
  const headers = warningHeaders(texts);
  assert.equal(headers.length, 16); // 16 × 256 = 4,096
  assert.ok(headers.every((h) => h.length === '299 - ""'.length + 256));
  assert.deepEqual(warningHeaders(["short", "also short"]), ['299 - "short"', '299 - "also short"']);
});
