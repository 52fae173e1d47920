import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_IMAGE_GC_POLICY, evictionOrder, planImageGC, type ImageRecord } from "./image-gc-plan.js";

const MIN = 60_000;
const NOW = 100 * MIN;

function image(id: string, over: Partial<ImageRecord> = {}): ImageRecord {
  return { id, size: 100, firstDetected: 0, lastUsed: 0, inUse: false, pinned: false, ...over };
}

describe("planImageGC", () => {
  const cases: Array<{ name: string; capacity: number; available: number; want: ReturnType<typeof planImageGC>["action"]; usage?: number; amount?: number }> = [
    { name: "below the high threshold: nothing to do", capacity: 1000, available: 200, want: "none", usage: 80 },
    { name: "at the high threshold: GC runs (upstream's >=)", capacity: 1000, available: 150, want: "free", usage: 85, amount: 50 },
    { name: "88 % used frees down to 80 %", capacity: 1000, available: 120, want: "free", usage: 88, amount: 80 },
    { name: "usage rounds as Go's integer division: 84.9 % is 85 %", capacity: 1000, available: 151, want: "free", usage: 85, amount: 49 },
    { name: "available above capacity counts as capacity", capacity: 1000, available: 5000, want: "none", usage: 0 },
    { name: "no capacity: invalid", capacity: 0, available: 0, want: "invalid-capacity" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planImageGC([], { capacityBytes: c.capacity, availableBytes: c.available }, DEFAULT_IMAGE_GC_POLICY, NOW);
      assert.equal(plan.action, c.want);
      if (plan.action !== "invalid-capacity") assert.equal(plan.usagePercent, c.usage);
      if (plan.action === "free") assert.equal(plan.amountToFree, c.amount);
    });
  }

  test("a high threshold of 1 with a low one of 0 asks to free everything in use on the filesystem", () => {
    const plan = planImageGC([image("a")], { capacityBytes: 1000, availableBytes: 900 }, { highThresholdPercent: 1, lowThresholdPercent: 0, minAgeMs: 0 }, NOW);
    assert.deepEqual(plan, { action: "free", usagePercent: 10, amountToFree: 100, candidates: [{ id: "a", size: 100 }] });
  });
});

describe("evictionOrder", () => {
  test("least recently used first, ties broken by first detection", () => {
    const order = evictionOrder([
      image("used-late", { lastUsed: 50 * MIN }),
      image("never-used-seen-late", { firstDetected: 10 * MIN }),
      image("never-used-seen-early", { firstDetected: 5 * MIN }),
      image("used-early", { lastUsed: 20 * MIN }),
    ], DEFAULT_IMAGE_GC_POLICY, NOW);
    assert.deepEqual(order.map((i) => i.id), ["never-used-seen-early", "never-used-seen-late", "used-early", "used-late"]);
  });

  test("skips images in use, pinned, used now, or younger than the minimum age", () => {
    const order = evictionOrder([
      image("in-use", { inUse: true, lastUsed: NOW }),
      image("pinned", { pinned: true }),
      image("used-now", { lastUsed: NOW }),
      image("just-pulled", { firstDetected: NOW - MIN }),
      image("two-minutes-old", { firstDetected: NOW - 2 * MIN }),
      image("present-at-start"),
    ], DEFAULT_IMAGE_GC_POLICY, NOW);
    assert.deepEqual(order.map((i) => i.id), ["present-at-start", "two-minutes-old"]);
  });

  test("a minimum age of 0 lets an image pulled this instant go", () => {
    assert.deepEqual(evictionOrder([image("new", { firstDetected: NOW })], { ...DEFAULT_IMAGE_GC_POLICY, minAgeMs: 0 }, NOW).map((i) => i.id), ["new"]);
  });
});
