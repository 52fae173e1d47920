import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { slowStartBatches } from "../kit/pod-control.js";
import { isAvailable } from "../kit/pod-state.js";
import { BURST_REPLICAS, replicaCounts, replicaDiff, victims } from "./plan.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace(".000", "");

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: number; restarts?: number; created?: number; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: { name, creationTimestamp: at(o.created ?? 0), labels: o.labels },
    spec: { nodeName: o.node, containers: [] },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: at(o.readySince ?? 0) }],
      containerStatuses: [{ name: "c", image: "i", imageID: "", ready: true, restartCount: o.restarts ?? 0 }],
    },
  };
}

describe("victims", () => {
  const cases: Array<[string, Pod[], string]> = [
    ["unscheduled before scheduled", [pod("a", { node: "n1" }), pod("b")], "b"],
    ["Pending before Running", [pod("a", { node: "n1" }), pod("b", { node: "n2", phase: "Pending" })], "b"],
    ["not ready before ready", [pod("a", { node: "n1" }), pod("b", { node: "n2", ready: false })], "b"],
    ["crowded node first", [pod("a", { node: "n1", created: 9 }), pod("b", { node: "n2" }), pod("c", { node: "n2" })], "b"],
    ["ready for less time first", [pod("a", { node: "n1", readySince: 10 }), pod("b", { node: "n2", readySince: 50 })], "b"],
    ["more restarts first", [pod("a", { node: "n1" }), pod("b", { node: "n2", restarts: 3 })], "b"],
    ["newer first", [pod("a", { node: "n1", created: 5 }), pod("b", { node: "n2", created: 9 })], "b"],
  ];
  for (const [name, pods, want] of cases) test(name, () => assert.equal(victims(pods, 1)[0]?.metadata?.name, want));
});

describe("slowStartBatches", () => {
  const cases: Array<[number, number[]]> = [[0, []], [1, [1]], [3, [1, 2]], [10, [1, 2, 4, 3]], [500, [1, 2, 4, 8, 16, 32, 64, 128, 245]]];
  for (const [total, want] of cases) test(`${total} → ${want.join(",")}`, () => assert.deepEqual(slowStartBatches(total), want));
});

describe("replicaDiff", () => {
  test("creates and deletes are capped at the burst per sync", () => {
    assert.equal(replicaDiff(0, 10_000), BURST_REPLICAS);
    assert.equal(replicaDiff(10_000, 0), -BURST_REPLICAS);
    assert.equal(replicaDiff(3, 5), 2);
    assert.equal(replicaDiff(5, 3), -2);
  });
});

describe("isAvailable and replicaCounts", () => {
  test("minReadySeconds: ready for 10 s is available at 10 s, not before", () => {
    const p = pod("a", { readySince: 0 });
    assert.equal(isAvailable(p, 10, T0 + 9_999), false);
    assert.equal(isAvailable(p, 10, T0 + 10_000), true);
    assert.equal(isAvailable(p, 0, T0), true);
  });
  test("fully labeled counts pods carrying every template label", () => {
    const pods = [pod("a", { labels: { app: "x", env: "qa" } }), pod("b", { labels: { app: "x" }, ready: false })];
    assert.deepEqual(replicaCounts(pods, { app: "x", env: "qa" }, 0, T0), { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
  });
});
