import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateComponentTokens } from "./identities.js";

test("loadOrCreateComponentTokens: one token per component and node, kept across starts, new nodes added, 0600", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tug-ids-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "pki"));
  const first = loadOrCreateComponentTokens(dir, ["n1"]);
  assert.equal(first.tokens.get(first.tokenOf("system:node:n1"))?.groups[0], "system:nodes");
  assert.equal(first.tokens.size, 4);
  const again = loadOrCreateComponentTokens(dir, ["n1", "n2"]);
  assert.equal(again.tokenOf("system:kube-scheduler"), first.tokenOf("system:kube-scheduler"));
  assert.equal(again.tokens.size, 5);
  assert.notEqual(again.tokenOf("system:node:n2"), again.tokenOf("system:node:n1"));
  assert.equal(statSync(join(dir, "pki", "tokens.csv")).mode & 0o777, 0o600);
  assert.throws(() => again.tokenOf("system:node:n3"), /no token/);
});
