import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogReader, parseCriLog, rfc3339Nano, streamLog } from "./logs.js";

describe("rfc3339Nano", () => {
  const cases: Array<[number, string]> = [
    [Date.parse("2026-01-01T00:00:00.120Z"), "2026-01-01T00:00:00.12Z"],
    [Date.parse("2026-01-01T00:00:00.000Z"), "2026-01-01T00:00:00Z"],
    [Date.parse("2026-01-01T00:00:00.007Z"), "2026-01-01T00:00:00.007Z"],
  ];
  for (const [ms, want] of cases) test(want, () => assert.equal(rfc3339Nano(ms), want));
});

describe("parseCriLog", () => {
  test("full and partial entries of both streams", () => {
    const entries = parseCriLog("2026-01-01T00:00:00Z stdout P hel\n2026-01-01T00:00:00Z stdout F lo\n2026-01-01T00:00:01Z stderr F oops\nbroken\n");
    assert.deepEqual(entries.map((e) => [e.stream, e.text]), [["stdout", "hel"], ["stdout", "lo\n"], ["stderr", "oops\n"]]);
  });
});

describe("streamLog", () => {
  const file = join(mkdtempSync(join(tmpdir(), "tug-log-")), "0.log");
  writeFileSync(file, ["2026-01-01T00:00:00Z stdout F one", "2026-01-01T00:00:01Z stdout F two", "2026-01-01T00:00:02Z stderr F three", ""].join("\n"));
  async function read(opts: Parameters<typeof streamLog>[1]): Promise<string> {
    let out = "";
    await streamLog(file, opts, (t) => void (out += t), () => false, new AbortController().signal);
    return out;
  }
  test("everything", async () => assert.equal(await read({}), "one\ntwo\nthree\n"));
  test("--tail", async () => assert.equal(await read({ tailLines: 2 }), "two\nthree\n"));
  test("--timestamps", async () => assert.equal(await read({ tailLines: 1, timestamps: true }), "2026-01-01T00:00:02Z three\n"));
  test("--since-time", async () => assert.equal(await read({ sinceTime: Date.parse("2026-01-01T00:00:01Z") }), "two\nthree\n"));
  test("--limit-bytes", async () => assert.equal(await read({ limitBytes: 6 }), "one\ntw"));
});

describe("LogReader", () => {
  test("next reads only what was appended since the previous read, and never a partial last line", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "tug-log-")), "0.log");
    const line = (i: number) => `2026-01-01T00:00:00Z stdout F line ${String(i).padStart(6, "0")}\n`;
    let big = "";
    for (let i = 0; i < 20_000; i++) big += line(i);
    writeFileSync(file, big);
    const reader = new LogReader(file);
    assert.equal((await reader.next()).length, 20_000);
    assert.equal(reader.bytesRead, Buffer.byteLength(big));
    const before = reader.bytesRead;
    appendFileSync(file, line(20_000) + "2026-01-01T00:00:00Z stdout F unfinish");
    assert.deepEqual((await reader.next()).map((e) => e.text), ["line 020000\n"]);
    assert.ok(reader.bytesRead - before < 200, `a poll after one appended line read ${reader.bytesRead - before} bytes`);
    appendFileSync(file, "ed\n");
    assert.deepEqual((await reader.next()).map((e) => e.text), ["unfinished\n"]);
    assert.deepEqual(await reader.next(), []);
  });

  test("next of a file not created yet is empty", async () => {
    assert.deepEqual(await new LogReader(join(tmpdir(), "tug-log-none", "0.log")).next(), []);
  });
});
