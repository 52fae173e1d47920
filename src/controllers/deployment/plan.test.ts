import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { IntOrString } from "../../api/intstr.js";
import { setReplicasAnnotations } from "./annotations.js";
import { maxSurge, maxUnavailable, newReplicaSetTarget, oldReplicaSetsScaleDown, resolveFenceposts, scalePlan, type ScaleStep } from "./plan.js";

/** Upstream's test deployment: surge and unavailability default to 0 here, not 25%. */
function deployment(replicas: number, o: { surge?: IntOrString; unavailable?: IntOrString; recreate?: boolean } = {}): Deployment {
  return {
    metadata: { name: "foo" },
    spec: {
      replicas, selector: {}, template: {},
      strategy: o.recreate ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: o.surge ?? 0, maxUnavailable: o.unavailable ?? 0 } },
    },
  };
}

const stamps = { older: "2016-05-20T00:00:00Z", old: "2016-05-20T01:00:00Z", new: "2016-05-20T02:00:00Z" };

function rs(name: string, replicas: number, o: { available?: number; created?: keyof typeof stamps } = {}): ReplicaSet {
  return {
    metadata: { name, creationTimestamp: stamps[o.created ?? "new"] },
    spec: { replicas, selector: {} },
    status: { replicas, availableReplicas: o.available ?? 0 },
  };
}

/** Sizes after applying steps in order. */
function sizes(rss: ReplicaSet[], steps: ScaleStep[]): Record<string, number> {
  const out = Object.fromEntries(rss.map((r) => [r.metadata!.name!, r.spec!.replicas!]));
  for (const s of steps) out[s.name] = s.replicas;
  return out;
}

describe("fenceposts", () => {
  const cases: Array<[string, number, IntOrString, IntOrString, number, number]> = [
    ["25%/25% of 10 round surge up and unavailability down", 10, "25%", "25%", 3, 2],
    ["25%/25% of 1: surge 1, unavailable 0", 1, "25%", "25%", 1, 0],
    ["0/0 becomes unavailable 1", 5, 0, 0, 0, 1],
    ["10% of 5 with surge 0 rounds to 0/0, so 1", 5, 0, "10%", 0, 1],
    ["absolute values pass through", 10, 3, 2, 3, 2],
  ];
  for (const [name, replicas, surge, unavailable, eSurge, eUnavailable] of cases) {
    test(name, () => assert.deepEqual(resolveFenceposts(deployment(replicas, { surge, unavailable })), { surge: eSurge, unavailable: eUnavailable }));
  }
  test("maxUnavailable never exceeds replicas and is 0 for Recreate or 0 replicas", () => {
    assert.equal(maxUnavailable(deployment(2, { unavailable: 5 })), 2);
    assert.equal(maxUnavailable(deployment(0, { unavailable: 5 })), 0);
    assert.equal(maxUnavailable(deployment(5, { recreate: true })), 0);
    assert.equal(maxSurge(deployment(5, { recreate: true })), 0);
  });
});

describe("new ReplicaSet target (upstream's reconcileNewReplicaSet cases)", () => {
  const cases: Array<[string, number, number, number, number, number]> = [
    ["no surge: the new ReplicaSet waits for old pods to go", 10, 0, 10, 0, 0],
    ["surge 2 with 10 old: grow by 2", 10, 2, 10, 0, 2],
    ["surge 2 with 5 old: grow to 7", 10, 2, 5, 0, 7],
    ["surge used up: stay", 10, 2, 10, 2, 2],
    ["above desired: shrink to desired", 10, 2, 2, 11, 10],
  ];
  for (const [name, replicas, surge, oldSize, newSize, expected] of cases) {
    test(name, () => {
      const d = deployment(replicas, { surge });
      const newRS = rs("foo-new", newSize), oldRS = rs("foo-old", oldSize);
      assert.equal(newReplicaSetTarget(d, [newRS, oldRS], newRS), expected);
    });
  }
  test("Recreate: the full size at once", () => assert.equal(newReplicaSetTarget(deployment(4, { recreate: true }), [rs("n", 0)], rs("n", 0)), 4));
});

describe("old ReplicaSets scale down (upstream's reconcileOldReplicaSets cases)", () => {
  const cases: Array<[string, number, number, number, number, number, number, number | undefined]> = [
    // name, replicas, maxUnavailable, old size, new size, old available, new available, expected old size
    ["unavailable 0 becomes 1: one old pod at a time", 10, 0, 10, 0, 10, 0, 9],
    ["unavailable 2: two old pods", 10, 2, 10, 0, 10, 0, 8],
    ["unhealthy old pods go first, at no cost", 10, 2, 10, 0, 8, 0, 8],
    ["one unhealthy, then one healthy", 10, 2, 10, 0, 9, 0, 8],
    ["new pods not yet available block further steps", 10, 2, 8, 2, 8, 0, undefined],
  ];
  for (const [name, replicas, unavailable, oldSize, newSize, oldAvail, newAvail, expected] of cases) {
    test(name, () => {
      const d = deployment(replicas, { unavailable });
      const oldRS = rs("foo-old", oldSize, { available: oldAvail }), newRS = rs("foo-new", newSize, { available: newAvail });
      const steps = oldReplicaSetsScaleDown(d, [oldRS, newRS], [oldRS], newRS);
      if (expected === undefined) assert.deepEqual(steps, []);
      else assert.equal(sizes([oldRS], steps)["foo-old"], expected);
    });
  }
  test("the oldest ReplicaSet shrinks first", () => {
    const d = deployment(4, { unavailable: 1 });
    const a = rs("a", 2, { available: 2, created: "older" }), b = rs("b", 2, { available: 2, created: "old" }), n = rs("n", 1, { available: 1 });
    assert.deepEqual(sizes([a, b], oldReplicaSetsScaleDown(d, [a, b, n], [a, b], n)), { a: 0, b: 2 });
  });
});

describe("scaling a deployment with several ReplicaSets (upstream's TestScale cases)", () => {
  type Case = { name: string; from: number; to: number; surge?: number; fromSurge?: number; newRS?: [string, number]; old: Array<[string, number, keyof typeof stamps]>; expected: Record<string, number>; newAvailable?: number };
  const cases: Case[] = [
    { name: "normal scaling event: 10 -> 12", from: 10, to: 12, newRS: ["foo-v1", 10], old: [], expected: { "foo-v1": 12 } },
    { name: "normal scaling event: 10 -> 5", from: 10, to: 5, newRS: ["foo-v1", 10], old: [], expected: { "foo-v1": 5 } },
    { name: "proportional scaling: 5 -> 10", from: 5, to: 10, newRS: ["foo-v2", 2], old: [["foo-v1", 3, "old"]], expected: { "foo-v2": 4, "foo-v1": 6 } },
    { name: "proportional scaling: 5 -> 3", from: 5, to: 3, newRS: ["foo-v2", 2], old: [["foo-v1", 3, "old"]], expected: { "foo-v2": 1, "foo-v1": 2 } },
    { name: "proportional scaling: 9 -> 4", from: 9, to: 4, newRS: ["foo-v2", 8], old: [["foo-v1", 1, "old"]], expected: { "foo-v2": 4, "foo-v1": 0 } },
    { name: "proportional scaling: 7 -> 10", from: 7, to: 10, newRS: ["foo-v3", 2], old: [["foo-v2", 3, "old"], ["foo-v1", 2, "older"]], expected: { "foo-v3": 3, "foo-v2": 4, "foo-v1": 3 } },
    { name: "proportional scaling: 13 -> 8", from: 13, to: 8, newRS: ["foo-v3", 2], old: [["foo-v2", 8, "old"], ["foo-v1", 3, "older"]], expected: { "foo-v3": 1, "foo-v2": 5, "foo-v1": 2 } },
    { name: "leftover distribution: 3 -> 4", from: 3, to: 4, newRS: ["foo-v3", 1], old: [["foo-v2", 1, "old"], ["foo-v1", 1, "older"]], expected: { "foo-v3": 2, "foo-v2": 1, "foo-v1": 1 } },
    { name: "leftover distribution: 3 -> 2", from: 3, to: 2, newRS: ["foo-v3", 1], old: [["foo-v2", 1, "old"], ["foo-v1", 1, "older"]], expected: { "foo-v3": 1, "foo-v2": 1, "foo-v1": 0 } },
    { name: "proportional scaling (no new rs): 4 -> 5", from: 4, to: 5, old: [["foo-v2", 2, "old"], ["foo-v1", 2, "older"]], expected: { "foo-v2": 3, "foo-v1": 2 } },
    { name: "proportional scaling: 6 -> 0", from: 6, to: 0, newRS: ["foo-v3", 3], old: [["foo-v2", 2, "old"], ["foo-v1", 1, "older"]], expected: { "foo-v3": 0, "foo-v2": 0, "foo-v1": 0 } },
    { name: "proportional scaling: 0 -> 6", from: 6, to: 6, newRS: ["foo-v3", 0], old: [["foo-v2", 0, "old"], ["foo-v1", 0, "older"]], expected: { "foo-v3": 6, "foo-v2": 0, "foo-v1": 0 } },
    { name: "deployment with surge pods", from: 10, to: 20, surge: 2, newRS: ["foo-v2", 6], old: [["foo-v1", 6, "old"]], expected: { "foo-v2": 11, "foo-v1": 11 } },
    { name: "change both surge and size", from: 10, fromSurge: 3, to: 50, surge: 6, newRS: ["foo-v2", 5], old: [["foo-v1", 8, "old"]], expected: { "foo-v2": 22, "foo-v1": 34 } },
    { name: "change both size and template", from: 10, to: 14, old: [["foo-v2", 7, "new"], ["foo-v1", 3, "old"]], expected: { "foo-v2": 10, "foo-v1": 4 } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const before = deployment(c.from, { surge: c.fromSurge ?? c.surge ?? 0 });
      const d = deployment(c.to, { surge: c.surge ?? 0 });
      const annotate = (r: ReplicaSet) => {
        setReplicasAnnotations(r, c.from, c.from + maxSurge(before));
        return r;
      };
      const newRS = c.newRS ? annotate(rs(c.newRS[0], c.newRS[1])) : undefined;
      const old = c.old.map(([n, size, created]) => annotate(rs(n, size, { created })));
      const all = newRS ? [...old, newRS] : old;
      assert.deepEqual(sizes(all, scalePlan(d, newRS, old, c.from)), c.expected);
    });
  }
  test("saturated but broken new replica set does not affect old pods", () => {
    const d = deployment(2, { surge: 1, unavailable: 1 });
    const newRS = rs("foo-v2", 2, { available: 0 }), old = rs("foo-v1", 1, { created: "old" });
    for (const r of [newRS, old]) setReplicasAnnotations(r, 2, 3);
    assert.deepEqual(sizes([newRS, old], scalePlan(d, newRS, [old], 2)), { "foo-v2": 2, "foo-v1": 1 });
  });
  test("a saturated new ReplicaSet sends the old ones to 0", () => {
    const d = deployment(2, { surge: 1, unavailable: 1 });
    const newRS = rs("foo-v2", 2, { available: 2 }), old = rs("foo-v1", 1, { created: "old" });
    assert.deepEqual(sizes([newRS, old], scalePlan(d, newRS, [old], 2)), { "foo-v2": 2, "foo-v1": 0 });
  });
});
