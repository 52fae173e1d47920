import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveContainerPath } from "./container-path.js";

const links: Record<string, string> = { "/var/run": "/run", "/lib": "usr/lib", "/loop": "/loop", "/up": "../etc" };
const fs = {
  lstat: (p: string) => ({ isSymbolicLink: () => p in links }),
  readlink: (p: string) => links[p]!,
};

test("resolveContainerPath follows absolute symlinks from the root, as runc's securejoin", () => {
  assert.equal(resolveContainerPath("/var/run/secrets/kubernetes.io/serviceaccount", fs), "/run/secrets/kubernetes.io/serviceaccount");
});

test("resolveContainerPath follows relative symlinks from their directory and never climbs above the root", () => {
  assert.equal(resolveContainerPath("/lib/x", fs), "/usr/lib/x");
  assert.equal(resolveContainerPath("/up/hosts", fs), "/etc/hosts");
  assert.equal(resolveContainerPath("/../../etc", fs), "/etc");
});

test("resolveContainerPath leaves paths without symlinks alone and gives up on a symlink loop", () => {
  assert.equal(resolveContainerPath("/data/x", fs), "/data/x");
  assert.equal(resolveContainerPath("/loop/x", fs), "/loop/x");
});
