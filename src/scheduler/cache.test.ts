import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../api/types.js";
import { SchedulerCache } from "./cache.js";

const node = (name: string): KubeObject => ({ metadata: { name }, status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } } });
const pod = (phase: string, owner?: string): KubeObject => ({
  metadata: { name: "p", namespace: "ns", uid: "u1", ownerReferences: owner ? [{ apiVersion: "v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] : undefined },
  spec: { containers: [{ name: "c", resources: { requests: { cpu: "250m", memory: "64Mi" } } }] },
  status: { phase },
});

test("a pod seen again on its node (status updates) is counted once; moved or finished, it is counted where it is", () => {
  const cache = new SchedulerCache();
  cache.setNode(node("a"));
  cache.setNode(node("b"));
  cache.place("ns/p", pod("Pending", "rs1"), "a");
  cache.place("ns/p", pod("Running", "rs1"), "a");
  cache.place("ns/p", pod("Running", "rs1"), "a");
  assert.deepEqual([cache.get("a")!.milliCpu, cache.get("a")!.memory, cache.get("a")!.pods], [250, 64 * 2 ** 20, 1]);
  assert.equal(cache.get("a")!.ownerCounts.get("rs1"), 1);

  cache.place("ns/p", pod("Running", "rs2"), "a");
  assert.deepEqual([cache.get("a")!.ownerCounts.get("rs1"), cache.get("a")!.ownerCounts.get("rs2"), cache.get("a")!.pods], [0, 1, 1], "a new controller is counted instead");
  cache.place("ns/p", pod("Running"), "a");
  assert.deepEqual([cache.get("a")!.ownerCounts.get("rs2"), cache.get("a")!.pods], [0, 1], "orphaned");

  cache.place("ns/p", pod("Running"), "b");
  assert.deepEqual([cache.get("a")!.pods, cache.get("a")!.milliCpu, cache.get("b")!.pods, cache.get("b")!.milliCpu], [0, 0, 1, 250]);
  cache.place("ns/p", pod("Succeeded"), "b");
  assert.deepEqual([cache.get("b")!.pods, cache.get("b")!.milliCpu, cache.isPlaced("ns/p")], [0, 0, false]);
});
