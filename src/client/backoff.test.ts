import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, jittered } from "./backoff.js";
import { FakeClock } from "./clock.js";

test("Backoff doubles from initialMs and stops at maxMs", () => {
  const b = new Backoff({ initialMs: 800, maxMs: 30_000 });
  assert.deepEqual(Array.from({ length: 8 }, () => b.next()), [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
});

test("Backoff reset starts again from initialMs", () => {
  const b = new Backoff({ initialMs: 100, maxMs: 7000 });
  b.next();
  b.next();
  b.reset();
  assert.equal(b.next(), 100);
});

test("Backoff jitter stretches each wait by up to its fraction, from the injected random", () => {
  const cases = [
    { name: "no randomness drawn", random: 0, want: [1000, 2000, 4000] },
    { name: "half the jitter", random: 0.5, want: [1250, 2500, 5000] },
    { name: "nearly all of it", random: 0.999, want: [1499.5, 2999, 5998] },
  ];
  for (const c of cases) {
    const b = new Backoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.5, random: () => c.random });
    assert.deepEqual([b.next(), b.next(), b.next()], c.want, c.name);
  }
});

test("Backoff wait sleeps on the injected clock and returns at once when aborted", async () => {
  const clock = new FakeClock();
  const b = new Backoff({ initialMs: 200, maxMs: 1000, clock });
  let done = false;
  const waiting = b.wait(new AbortController().signal).then((ms) => {
    done = true;
    return ms;
  });
  clock.advance(199);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  assert.equal(await waiting, 200);
  const abort = new AbortController();
  const aborted = b.wait(abort.signal);
  abort.abort();
  assert.equal(await aborted, 400);
});

test("Backoff refuses an initial wait of zero or a cap below it", () => {
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 10 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), RangeError);
});

test("jittered adds nothing for a factor of zero", () => {
  assert.equal(jittered(2000, 0, () => 0.9), 2000);
  assert.equal(jittered(2000, 1.2, () => 0.5), 3200);
});
