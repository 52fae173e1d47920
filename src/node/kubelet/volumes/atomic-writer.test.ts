import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PayloadPathError, validatePayloadPath, writeAtomically, type FileProjection } from "./atomic-writer.js";

const NOW = Date.UTC(2026, 11, 7, 15, 4, 5);
const file = (text: string | Uint8Array, mode = 0o644): FileProjection => ({ data: typeof text === "string" ? Buffer.from(text) : text, mode });
const fresh = () => mkdtempSync(join(tmpdir(), "atomic-writer-"));
const names = (dir: string) => readdirSync(dir).sort();

test("writeAtomically lays out a timestamped directory, ..data and user-visible symlinks into it", () => {
  const dir = fresh();
  assert.equal(writeAtomically(dir, new Map([["podname", file("p")], ["user/labels", file("a=\"b\"", 0o400)]]), { now: NOW }), true);
  const [ts] = names(dir).filter((n) => n.startsWith("..2026"));
  assert.match(ts!, /^\.\.2026_12_07_15_04_05\.\d+$/);
  assert.equal(statSync(join(dir, ts!)).mode & 0o777, 0o755);
  assert.equal(readlinkSync(join(dir, "..data")), ts);
  assert.equal(readlinkSync(join(dir, "podname")), "..data/podname");
  assert.equal(readlinkSync(join(dir, "user")), "..data/user");
  assert.deepEqual(names(dir), [ts, "..data", "podname", "user"].sort());
  assert.equal(readFileSync(join(dir, "user/labels"), "utf8"), 'a="b"');
  assert.equal(statSync(join(dir, "user/labels")).mode & 0o777, 0o400);
  assert.equal(statSync(join(dir, "podname")).mode & 0o777, 0o644);
});

test("writeAtomically writes bytes byte for byte and modes whatever the umask", () => {
  const dir = fresh();
  const bytes = Uint8Array.from([0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xca, 0xfe]);
  const old = process.umask(0o077);
  try {
    writeAtomically(dir, new Map([["dump.bin", file(bytes, 0o666)]]), { now: NOW });
  } finally {
    process.umask(old);
  }
  assert.deepEqual([...readFileSync(join(dir, "dump.bin"))], [...bytes]);
  assert.equal(statSync(join(dir, "dump.bin")).mode & 0o777, 0o666);
});

test("writeAtomically swaps ..data to a new directory on a change, removes stale names and the old directory", () => {
  const dir = fresh();
  writeAtomically(dir, new Map([["a", file("1")], ["b", file("2")], ["deep/x/y", file("3")]]), { now: NOW });
  const first = readlinkSync(join(dir, "..data"));
  assert.equal(writeAtomically(dir, new Map([["a", file("changed")], ["c", file("new")]]), { now: NOW + 60_000 }), true);
  const second = readlinkSync(join(dir, "..data"));
  assert.notEqual(second, first);
  assert.match(second, /^\.\.2026_12_07_15_05_05\./);
  assert.deepEqual(names(dir), [second, "..data", "a", "c"].sort());
  assert.equal(readFileSync(join(dir, "a"), "utf8"), "changed");
  assert.equal(readFileSync(join(dir, "c"), "utf8"), "new");
});

test("writeAtomically writes nothing when the payload matches the disk", () => {
  const dir = fresh();
  const payload = new Map([["a", file("1")], ["n/b", file("2")]]);
  writeAtomically(dir, payload, { now: NOW });
  const before = readlinkSync(join(dir, "..data"));
  assert.equal(writeAtomically(dir, payload, { now: NOW + 1000 }), false);
  assert.equal(readlinkSync(join(dir, "..data")), before);
});

test("writeAtomically with an empty payload removes every user-visible file (an optional object deleted)", () => {
  const dir = fresh();
  writeAtomically(dir, new Map([["a", file("1")]]), { now: NOW });
  writeAtomically(dir, new Map(), { now: NOW });
  const ts = readlinkSync(join(dir, "..data"));
  assert.deepEqual(names(dir), [ts, "..data"].sort());
});

test("writeAtomically replaces a plain file left by an older writer with the symlink", () => {
  const dir = fresh();
  writeFileSync(join(dir, "a"), "old plain file");
  writeAtomically(dir, new Map([["a", file("1")]]), { now: NOW });
  assert.ok(lstatSync(join(dir, "a")).isSymbolicLink());
  assert.equal(readFileSync(join(dir, "a"), "utf8"), "1");
});

test("writeAtomically runs setPerms on the new directory before it becomes visible", () => {
  const dir = fresh();
  let seen: string[] = [];
  writeAtomically(dir, new Map([["a", file("1")]]), { now: NOW, setPerms: (ts) => (seen = [ts, ...names(dir)]) });
  assert.ok(seen[0]!.startsWith(join(dir, "..2026")));
  assert.ok(!seen.includes("..data"), "..data is not there yet");
});

test("validatePayloadPath refuses what upstream's validatePath refuses, before anything is written", () => {
  const bad: Array<[string, string]> = [
    ["", 'invalid path: must not be empty: ""'],
    ["/etc/passwd", "invalid path: must be relative path: /etc/passwd"],
    ["a/../../b", "invalid path: must not contain '..': a/../../b"],
    ["..data/x", "invalid path: must not start with '..': ..data/x"],
    [`${"x".repeat(256)}`, "invalid path: filenames must be less than or equal to 255 characters"],
  ];
  for (const [path, message] of bad) assert.throws(() => validatePayloadPath(path), (e: unknown) => e instanceof PayloadPathError && e.message === message, path);
  for (const ok of ["a", "a/b/c", ".hidden", "a..b", "x/..y"]) validatePayloadPath(ok);
  const dir = fresh();
  assert.throws(() => writeAtomically(dir, new Map([["ok", file("1")], ["../escape", file("2")]]), { now: NOW }), PayloadPathError);
  assert.deepEqual(names(dir), []);
});
