import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/types.js";
import { daemonPodSpec, nodeShouldRunDaemonPod } from "./eligibility.js";
import { daemonCounts, planNodes, planRollingUpdate, type NodeSlot } from "./plan.js";
import { rollingLimits } from "./sync.js";

const T0 = Date.parse("2026-11-23T10:00:00Z");
const at = (ms: number) => new Date(T0 + ms).toISOString().replace(/\.\d+Z$/, "Z");

function pod(name: string, hash: string, opts: { ready?: boolean; phase?: string; age?: number; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, labels: { "controller-revision-hash": hash }, creationTimestamp: at(-(opts.age ?? 0) * 1000), ...(opts.deleting ? { deletionTimestamp: at(0) } : {}) },
    spec: { nodeName: "n", containers: [] },
    status: { phase: opts.phase ?? "Running", conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True", lastTransitionTime: at(-60_000) }] },
  };
}

const runs = { shouldRun: true, shouldContinueRunning: true };
const slot = (name: string, pods: Pod[], verdict: NodeSlot["verdict"] = runs): NodeSlot => ({ name, verdict, pods });
const noBackoff = { hash: "new", allowsSurge: false, minReadySeconds: 0, now: T0, backingOff: () => false };
const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name).sort();

function node(name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject {
  return { metadata: { name, labels }, spec: { taints } };
}

describe("which nodes run a daemon pod", () => {
  test("nodeSelector: only matching nodes", () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node("a", { disk: "ssd" }), { nodeSelector: { disk: "ssd" } }), runs);
    assert.deepEqual(nodeShouldRunDaemonPod(node("b"), { nodeSelector: { disk: "ssd" } }), { shouldRun: false, shouldContinueRunning: false });
  });
  test("an untolerated NoSchedule taint keeps new pods off but lets a running one stay", () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node("a", {}, [{ key: "dedicated", effect: "NoSchedule" }]), {}), { shouldRun: false, shouldContinueRunning: true });
  });
  test("an untolerated NoExecute taint removes the pod; not-ready and unreachable are tolerated", () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node("a", {}, [{ key: "dedicated", effect: "NoExecute" }]), {}), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(node("a", {}, [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]), {}), runs);
  });
  test("the pod is pinned to its node by metadata.name affinity, with the daemon tolerations", () => {
    const spec = daemonPodSpec({ containers: [], tolerations: [{ key: "x", operator: "Exists" }] }, "node-7");
    assert.deepEqual((spec.affinity as { nodeAffinity: unknown }).nodeAffinity, {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-7"] }] }] },
    });
    assert.equal((spec.tolerations as unknown[]).length, 7);
  });
});

describe("planNodes (manage)", () => {
  test("creates on nodes without a pod, not where one is still terminating", () => {
    const plan = planNodes([slot("a", []), slot("b", [pod("b1", "old", { deleting: true })])], noBackoff);
    assert.deepEqual(plan.createOn, ["a"]);
    assert.deepEqual(plan.delete, []);
  });
  test("deletes pods on nodes that may not keep them and on nodes that are gone", () => {
    const plan = planNodes([slot("a", [pod("a1", "new")], { shouldRun: false, shouldContinueRunning: false }), { name: "gone", verdict: undefined, pods: [pod("g1", "new")] }], noBackoff);
    assert.deepEqual(names(plan.delete), ["a1", "g1"]);
  });
  test("keeps the oldest of duplicate pods", () => {
    const plan = planNodes([slot("a", [pod("young", "new", { age: 1 }), pod("old", "new", { age: 100 })])], noBackoff);
    assert.deepEqual(names(plan.delete), ["young"]);
  });
  test("a failed pod is deleted unless its node is backing off", () => {
    const failed = [slot("a", [pod("f", "new", { phase: "Failed" })])];
    assert.deepEqual(names(planNodes(failed, noBackoff).failed), ["f"]);
    assert.deepEqual(planNodes(failed, { ...noBackoff, backingOff: () => true }).delete, []);
  });
  test("with surge, an old pod goes once the new pod beside it is available", () => {
    const both = [slot("a", [pod("o", "old", { age: 100 }), pod("n", "new", { age: 1 })])];
    assert.deepEqual(names(planNodes(both, { ...noBackoff, allowsSurge: true }).delete), ["o"]);
    const notYet = [slot("a", [pod("o", "old", { age: 100 }), pod("n", "new", { age: 1, ready: false })])];
    assert.deepEqual(planNodes(notYet, { ...noBackoff, allowsSurge: true }).delete, []);
  });
});

describe("planRollingUpdate", () => {
  const old = (n: string, ready = true) => slot(n, [pod(`${n}-old`, "old", { ready })]);
  test("maxUnavailable 1: one old pod at a time", () => {
    const plan = planRollingUpdate([old("a"), old("b"), old("c")], "new", { maxSurge: 0, maxUnavailable: 1 }, 0, T0);
    assert.equal(plan.delete.length, 1);
  });
  test("waits while a node is without an available pod", () => {
    const plan = planRollingUpdate([slot("a", []), old("b"), old("c")], "new", { maxSurge: 0, maxUnavailable: 1 }, 0, T0);
    assert.deepEqual(plan.delete, []);
  });
  test("old pods that are unavailable anyway are replaced at once, beside maxUnavailable available ones", () => {
    const plan = planRollingUpdate([old("a", false), old("b", false), old("c"), old("d")], "new", { maxSurge: 0, maxUnavailable: 1 }, 0, T0);
    assert.deepEqual(names(plan.delete), ["a-old", "b-old", "c-old"]);
  });
  test("maxSurge: new pods start beside old ones on up to maxSurge nodes", () => {
    const plan = planRollingUpdate([old("a"), old("b"), old("c")], "new", { maxSurge: 2, maxUnavailable: 0 }, 0, T0);
    assert.deepEqual(plan.createOn, ["a", "b"]);
  });
  test("limits: 10% of 1,000 nodes, rounded up; both zero means one unavailable", () => {
    assert.deepEqual(rollingLimits({ updateStrategy: { rollingUpdate: { maxUnavailable: "10%" } } } as never, 1000), { maxSurge: 0, maxUnavailable: 100 });
    assert.deepEqual(rollingLimits({ updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } as never, 5), { maxSurge: 0, maxUnavailable: 1 });
  });
});

describe("daemonCounts", () => {
  test("counts per node by its oldest pod; misscheduled pods apart", () => {
    const c = daemonCounts([
      slot("a", [pod("a1", "new")]), slot("b", [pod("b1", "old", { ready: false })]), slot("c", []),
      slot("d", [pod("d1", "new")], { shouldRun: false, shouldContinueRunning: true }),
    ], "new", 0, T0);
    assert.deepEqual(c, { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, numberUnavailable: 2 });
  });
});
