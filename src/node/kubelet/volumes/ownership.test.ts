import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setVolumeOwnership } from "./ownership.js";

const asRoot = process.getuid?.() === 0;

function volume(): string {
  const dir = mkdtempSync(join(tmpdir(), "ownership-"));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "sub", "f"), "x");
  chmodSync(join(dir, "sub", "f"), 0o400);
  chmodSync(join(dir, "sub"), 0o700);
  symlinkSync("sub/f", join(dir, "link"));
  return dir;
}

test("setVolumeOwnership gives a read-only volume's files group fsGroup and group read, directories search and setgid", { skip: !asRoot && "needs root to give files away" }, () => {
  const dir = volume();
  setVolumeOwnership(dir, 4321, true);
  const f = statSync(join(dir, "sub", "f"));
  assert.equal(f.gid, 4321);
  assert.equal(f.mode & 0o7777, 0o440);
  assert.equal(statSync(join(dir, "sub")).mode & 0o7777, 0o2750);
  assert.equal(lstatSync(join(dir, "link")).gid, 4321);
  assert.ok(lstatSync(join(dir, "link")).isSymbolicLink());
});

test("setVolumeOwnership gives a writable volume group write too", { skip: !asRoot && "needs root to give files away" }, () => {
  const dir = volume();
  setVolumeOwnership(dir, 4321, false);
  assert.equal(statSync(join(dir, "sub", "f")).mode & 0o7777, 0o660);
  assert.equal(statSync(join(dir, "sub")).mode & 0o7777, 0o2770);
});

test("setVolumeOwnership without fsGroup changes nothing", () => {
  const dir = volume();
  const before = statSync(join(dir, "sub", "f"));
  setVolumeOwnership(dir, undefined, false);
  const after = statSync(join(dir, "sub", "f"));
  assert.equal(after.mode, before.mode);
  assert.equal(after.gid, before.gid);
});
