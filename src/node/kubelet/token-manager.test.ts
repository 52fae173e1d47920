import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.js";
import { TokenManager } from "./token-manager.js";
import type { TokenRequestSpec } from "./volumes/index.js";

const spec = (uid: string, expirationSeconds = 3600): TokenRequestSpec => ({ expirationSeconds, boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "p", uid } });

function manager() {
  const clock = new FakeClock(Date.parse("2026-12-07T12:00:00Z"));
  let n = 0;
  const m = new TokenManager(async (_ns, _sa, s) => ({ token: `t${++n}`, expirationTimestamp: new Date(clock.now() + s.expirationSeconds * 1000).toISOString() }), clock, () => 0);
  return { clock, m };
}

test("TokenManager.token reuses a token until 80% of its lifetime has passed, then requests a new one", async () => {
  const { clock, m } = manager();
  assert.equal(await m.token("ns", "default", spec("u1")), "t1");
  clock.advance(48 * 60_000);
  assert.equal(await m.token("ns", "default", spec("u1")), "t1", "12:48 is not yet past the renewal point");
  clock.advance(1000);
  assert.equal(await m.token("ns", "default", spec("u1")), "t2");
});

test("TokenManager.token keeps one token per pod, audience and lifetime; forgetPod drops a pod's", async () => {
  const { m } = manager();
  assert.equal(await m.token("ns", "default", spec("u1")), "t1");
  assert.equal(await m.token("ns", "default", spec("u2")), "t2");
  assert.equal(await m.token("ns", "default", { ...spec("u1"), audiences: ["vault"] }), "t3");
  assert.equal(await m.token("ns", "default", spec("u1", 600)), "t4");
  assert.equal(await m.token("ns", "default", spec("u1")), "t1");
  m.forgetPod("u1");
  assert.equal(await m.token("ns", "default", spec("u1")), "t5");
});

test("TokenManager.token renews a token older than a day, whatever its lifetime", async () => {
  const { clock, m } = manager();
  assert.equal(await m.token("ns", "default", spec("u1", 7 * 24 * 3600)), "t1");
  clock.advance(24 * 3600_000 + 1);
  assert.equal(await m.token("ns", "default", spec("u1", 7 * 24 * 3600)), "t2");
});
