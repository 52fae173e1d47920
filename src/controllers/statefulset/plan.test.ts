import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { ordinalOf } from "./identity.js";
import { MAX_STEPS_PER_SYNC, planStatefulSet, type SetView } from "./plan.js";

const T0 = Date.parse("2026-11-23T10:00:00Z");

function pod(ordinal: number, opts: { ready?: boolean; revision?: string; deleting?: boolean; phase?: string } = {}): { pod: Pod; ordinal: number } {
  return {
    ordinal,
    pod: {
      metadata: { name: `web-${ordinal}`, labels: { "controller-revision-hash": opts.revision ?? "web-new" }, ...(opts.deleting ? { deletionTimestamp: "2026-11-23T10:00:00Z" } : {}) },
      status: { phase: opts.phase ?? "Running", conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True", lastTransitionTime: "2026-11-23T09:00:00Z" }] },
    },
  };
}

const view = (pods: SetView["pods"], over: Partial<SetView> = {}): SetView => ({
  setName: "web", replicas: 3, start: 0, ordered: true, onDelete: false, partition: 0, maxUnavailable: 1, minReadySeconds: 0, updateRevision: "web-new", now: T0, pods, ...over,
});
const describeSteps = (v: SetView) => planStatefulSet(v).map((s) => (s.kind === "create" ? `create ${s.ordinal}` : `delete ${s.pod.metadata!.name} (${s.why})`));

describe("StatefulSet planning", () => {
  test("OrderedReady creates the lowest missing ordinal, one at a time", () => {
    assert.deepEqual(describeSteps(view([])), ["create 0"]);
    assert.deepEqual(describeSteps(view([pod(0)])), ["create 1"]);
  });
  test("OrderedReady waits for the pod before to be Running and Ready", () => {
    assert.deepEqual(describeSteps(view([pod(0, { ready: false })])), []);
  });
  test("Parallel creates every missing ordinal at once", () => {
    assert.deepEqual(describeSteps(view([pod(1, { ready: false })], { ordered: false })), ["create 0", "create 2"]);
  });
  test("scale down deletes the highest ordinal first, one at a time, after any terminating one is gone", () => {
    assert.deepEqual(describeSteps(view([pod(0), pod(1), pod(2)], { replicas: 1 })), ["delete web-2 (condemned)"]);
    assert.deepEqual(describeSteps(view([pod(0), pod(1), pod(2, { deleting: true })], { replicas: 1 })), []);
  });
  test("planStatefulSet: OrderedReady scale-down halts while any pod is unhealthy; Parallel does not", () => {
    const unready = [pod(0, { ready: false }), pod(1, { ready: false }), pod(2, { ready: false })];
    assert.deepEqual(describeSteps(view(unready, { replicas: 2 })), [], "3 → 2 with all unready");
    assert.deepEqual(describeSteps(view(unready, { replicas: 0 })), [], "3 → 0 with all unready");
    assert.deepEqual(describeSteps(view([pod(0), pod(1), pod(2, { ready: false }), pod(3, { ready: false })], { replicas: 2 })), [],
      "web-3 is unhealthy and not the first unhealthy pod");
    assert.deepEqual(describeSteps(view([pod(0), pod(1), pod(2, { ready: false }), pod(3)], { replicas: 2 })), ["delete web-3 (condemned)"]);
    assert.deepEqual(describeSteps(view([pod(0), pod(1), pod(2, { ready: false })], { replicas: 2 })), ["delete web-2 (condemned)"],
      "the first unhealthy pod itself may go");
    assert.deepEqual(describeSteps(view(unready, { replicas: 0, ordered: false })), ["delete web-2 (condemned)", "delete web-1 (condemned)", "delete web-0 (condemned)"]);
  });
  test("planStatefulSet: OrderedReady scale-up halts at an unhealthy pod", () => {
    assert.deepEqual(describeSteps(view([pod(0), pod(1, { ready: false })], { replicas: 3 })), []);
  });
  test("planStatefulSet: replicas 2147483647 plans a bounded number of steps without allocating by replicas", () => {
    const huge = 2147483647;
    assert.deepEqual(describeSteps(view([pod(0), pod(1)], { replicas: huge })), ["create 2"]);
    const parallel = planStatefulSet(view([pod(0), pod(1)], { replicas: huge, ordered: false }));
    assert.equal(parallel.length, MAX_STEPS_PER_SYNC);
    assert.deepEqual([parallel[0], parallel.at(-1)].map((s) => s?.kind === "create" && s.ordinal), [2, MAX_STEPS_PER_SYNC + 1]);
    const far = { ...pod(2000000000, { phase: "Failed" }) };
    assert.deepEqual(describeSteps(view([pod(0), far], { replicas: huge, ordered: false })).slice(-1), ["delete web-2000000000 (failed)"],
      "a pod far beyond the gaps is still looked at");
  });
  test("a failed pod is deleted to be re-created", () => {
    assert.deepEqual(describeSteps(view([pod(0, { phase: "Failed" })])), ["delete web-0 (failed)"]);
  });
  test("rolling update from the highest ordinal down to the partition", () => {
    const old = [pod(0, { revision: "web-old" }), pod(1, { revision: "web-old" }), pod(2, { revision: "web-old" })];
    assert.deepEqual(describeSteps(view(old)), ["delete web-2 (update)"]);
    assert.deepEqual(describeSteps(view([old[0]!, old[1]!, pod(2)], { partition: 2 })), [], "ordinals below the partition keep the old revision");
    assert.deepEqual(describeSteps(view([old[0]!, old[1]!, pod(2, { ready: false })])), [], "waits for the updated pod to be ready");
    assert.deepEqual(describeSteps(view(old, { maxUnavailable: 2 })), ["delete web-2 (update)", "delete web-1 (update)"]);
    assert.deepEqual(describeSteps(view(old, { onDelete: true })), []);
  });
  test("ordinals come from names <set>-<n> only", () => {
    assert.equal(ordinalOf("web", { metadata: { name: "web-12" } }), 12);
    assert.equal(ordinalOf("web", { metadata: { name: "web-01" } }), undefined);
    assert.equal(ordinalOf("web", { metadata: { name: "webapp-1" } }), undefined);
  });
});
