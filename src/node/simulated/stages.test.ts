import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { CHAOS_STAGES, FAST_STAGES } from "./stages.js";

const pending: KubeObject = {
  apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", uid: "u-1" },
  spec: { nodeName: "tug-node-1", containers: [{ name: "app", image: "ikubernetes/myapp:v1" }, { name: "side", image: "busybox" }] },
  status: { phase: "Pending" },
};
const ctx = { now: Date.parse("2026-01-01T00:00:00Z"), podIP: "10.244.0.7", hostIP: "10.200.0.1" };

test("FAST_STAGES turns a pending pod into a running, ready one (golden)", () => {
  const stage = FAST_STAGES.find((s) => s.selects(pending))!;
  assert.equal(stage.name, "pod-ready");
  const action = stage.act(pending, ctx);
  assert.deepEqual(action, {
    status: {
      phase: "Running",
      conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
        type, status: "True", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z",
      })),
      hostIP: "10.200.0.1", hostIPs: [{ ip: "10.200.0.1" }], podIP: "10.244.0.7", podIPs: [{ ip: "10.244.0.7" }], startTime: "2026-01-01T00:00:00Z",
      containerStatuses: [["app", "ikubernetes/myapp:v1"], ["side", "busybox"]].map(([name, image]) => ({
        name, image, imageID: `simulated://${image}`, containerID: `simulated://10.244.0.7-${name}`, ready: true, started: true, restartCount: 0,
        state: { running: { startedAt: "2026-01-01T00:00:00Z" } }, lastState: {},
      })),
    },
  });
});

test("FAST_STAGES deletes a pod marked for deletion at once", () => {
  const deleting = { ...pending, metadata: { ...pending.metadata, deletionTimestamp: "2026-01-01T00:00:30Z" } };
  const stage = FAST_STAGES.find((s) => s.selects(deleting))!;
  assert.equal(stage.name, "pod-delete");
  assert.equal(stage.delayMs, 0);
  assert.deepEqual(stage.act(deleting, ctx), { delete: true });
});

test("FAST_STAGES leave a running pod alone", () => {
  const running = { ...pending, status: { phase: "Running" } };
  assert.equal(FAST_STAGES.find((s) => s.selects(running)), undefined);
});

test("CHAOS_STAGES start pods slowly", () => {
  const stage = CHAOS_STAGES.find((s) => s.selects(pending))!;
  assert.ok(stage.delayMs >= 500);
});
