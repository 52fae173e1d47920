import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, goDuration } from "./backoff.js";

describe("Backoff", () => {
  test("first restart is immediate, then 10 s doubling to 5 min", () => {
    const b = new Backoff();
    const waits: number[] = [];
    let t = 0;
    for (let i = 0; i < 8; i++) {
      const wait = b.remaining("c", t, t);
      waits.push(wait);
      t += wait;
      b.next("c", t - wait);
      t += 1000; // the container runs a second, then exits again
    }
    assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  test("remaining counts from the exit, not from now", () => {
    const b = new Backoff();
    b.next("c", 0);
    assert.equal(b.remaining("c", 1000, 4000), 7000);
    assert.equal(b.remaining("c", 1000, 20_000), 0);
  });

  test("an entry untouched for 10 minutes (the container ran that long) starts over", () => {
    const b = new Backoff();
    b.next("c", 0);
    b.next("c", 1000);
    assert.equal(b.delay("c"), 20_000);
    assert.equal(b.remaining("c", 601_001, 601_001), 0);
    b.next("c", 601_001);
    assert.equal(b.delay("c"), 10_000);
  });

  test("forget drops every key with the prefix", () => {
    const b = new Backoff();
    b.next("uid1/a", 0);
    b.next("uid2/a", 0);
    b.forget("uid1/");
    assert.equal(b.remaining("uid1/a", 0, 0), 0);
    assert.equal(b.remaining("uid2/a", 0, 0), 10_000);
  });
});

describe("goDuration", () => {
  for (const [ms, text] of [[10_000, "10s"], [40_000, "40s"], [160_000, "2m40s"], [300_000, "5m0s"]] as const) {
    test(`${ms} ms prints as ${text}`, () => assert.equal(goDuration(ms), text));
  }
});
