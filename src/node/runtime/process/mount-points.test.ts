import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HostMountPoints } from "./mount-points.js";

test("HostMountPoints removes the mount points a container made once no other running container uses them", () => {
  const root = mkdtempSync(join(tmpdir(), "tug-mp-"));
  const points = new HostMountPoints();
  const made = join(root, "a", "b");
  points.claim("c1", [made]);
  points.claim("c2", [join(root, "a", "b")]);
  mkdirSync(made, { recursive: true });
  points.release("c1");
  assert.ok(existsSync(made), "c2 still mounts there");
  points.release("c2");
  assert.ok(!existsSync(join(root, "a")), "the directories it made, up to the topmost, are gone");
});

test("HostMountPoints leaves what existed before, and what is no longer empty", () => {
  const root = mkdtempSync(join(tmpdir(), "tug-mp-"));
  const existing = join(root, "existing");
  mkdirSync(existing);
  const points = new HostMountPoints();
  const file = join(root, "file");
  points.claim("c1", [existing, file, join(root, "full")]);
  writeFileSync(file, "");
  mkdirSync(join(root, "full"));
  writeFileSync(join(root, "full", "x"), "data");
  points.release("c1");
  assert.ok(existsSync(existing));
  assert.ok(!existsSync(file), "an empty file made for a file mount goes");
  assert.ok(existsSync(join(root, "full", "x")));
});
