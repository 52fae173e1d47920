import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.js";
import { ExponentialRateLimiter } from "./rate-limiter.js";
import { WorkQueue } from "./workqueue.js";

test("WorkQueue coalesces repeated adds of a waiting key", async () => {
  const q = new WorkQueue<string>(new FakeClock());
  q.add("a");
  q.add("a");
  q.add("b");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
});

test("WorkQueue never hands a key to two workers at once; an add while processing requeues after done", async () => {
  const q = new WorkQueue<string>(new FakeClock());
  q.add("a");
  const first = await q.get();
  q.add("a");
  assert.equal(q.length, 0, "held back while processing");
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await Promise.resolve();
  assert.equal(second, undefined);
  q.done(first!);
  await Promise.resolve();
  assert.equal(second, "a");
});

test("WorkQueue.addAfter waits on the clock and keeps the earliest time", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue<string>(clock);
  q.addAfter("a", 1000);
  q.addAfter("a", 500);
  clock.advance(499);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
  clock.advance(1000);
  assert.equal(q.length, 1, "the later add was dropped");
});

test("ExponentialRateLimiter doubles from 5 ms and caps at 1000 s; forget resets", () => {
  const l = new ExponentialRateLimiter<string>(5, 1_000_000);
  const waits = Array.from({ length: 20 }, () => l.when("k"));
  assert.deepEqual(waits.slice(0, 4), [5, 10, 20, 40]);
  assert.equal(waits[19], 1_000_000);
  l.forget("k");
  assert.equal(l.when("k"), 5);
});

test("WorkQueue.addRateLimited backs off per key", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue<string>(clock, new ExponentialRateLimiter<string>(5, 1000));
  q.addRateLimited("k");
  clock.advance(4);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(await q.get(), "k");
  q.done("k");
  q.addRateLimited("k");
  clock.advance(9);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
  assert.equal(q.retries("k"), 2);
});

test("WorkQueue.shutdown releases waiting workers", async () => {
  const q = new WorkQueue<string>(new FakeClock());
  const pending = q.get();
  q.shutdown();
  assert.equal(await pending, undefined);
});
