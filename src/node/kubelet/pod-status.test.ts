import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { ContainerStatus } from "../runtime/runtime.js";
import { podPhase, podStatus, type ContainerView } from "./pod-status.js";

const image = { ref: "busybox", id: "sha256:1", size: 0, entrypoint: [], cmd: [], env: {} };
function inst(state: ContainerStatus["state"], exitCode?: number, attempt = 0): ContainerStatus {
  return { id: `id${attempt}`, sandboxId: "s", name: "c", attempt, image, state, createdAt: 0, startedAt: 1000, logPath: "/x", ...(state === "exited" ? { exitCode, finishedAt: 2000 } : {}) };
}
function view(over: Partial<ContainerView> = {}): ContainerView {
  return { name: "c", image: "busybox", restartCount: 0, ready: false, started: false, ...over };
}

describe("podPhase", () => {
  const cases: Array<[string, string, ContainerView[], ContainerView[], string]> = [
    ["nothing started yet", "Always", [], [view()], "Pending"],
    ["running", "Always", [], [view({ current: inst("running") })], "Running"],
    ["init container still running", "Always", [view({ current: inst("running") })], [view()], "Pending"],
    ["init container failed under Never", "Never", [view({ current: inst("exited", 1) })], [view()], "Failed"],
    ["all exited 0 under Never", "Never", [], [view({ current: inst("exited", 0) })], "Succeeded"],
    ["one failed under Never", "Never", [], [view({ current: inst("exited", 0) }), view({ name: "d", current: inst("exited", 2) })], "Failed"],
    ["exited under Always keeps Running", "Always", [], [view({ current: inst("exited", 0) })], "Running"],
    ["failed under OnFailure keeps Running", "OnFailure", [], [view({ current: inst("exited", 1) })], "Running"],
    ["succeeded under OnFailure", "OnFailure", [], [view({ current: inst("exited", 0) })], "Succeeded"],
    ["CrashLoopBackOff is Running", "Always", [], [view({ current: inst("exited", 1), waiting: { reason: "CrashLoopBackOff" } })], "Running"],
    ["ErrImagePull before any start is Pending", "Always", [], [view({ waiting: { reason: "ErrImagePull" } })], "Pending"],
  ];
  for (const [name, policy, init, containers, want] of cases) test(name, () => assert.equal(podPhase(policy, init, containers), want));
});

describe("podStatus", () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }] },
  };

  test("a ready container: phase, the five conditions in upstream's order, IPs and the container state", () => {
    const s = podStatus(pod, {
      sandboxReady: true, podIP: "10.88.1.2", hostIP: "192.0.2.2", init: [],
      containers: [view({ current: inst("running"), ready: true, started: true })], startTime: Date.parse("2026-01-01T00:00:01Z"),
    }, Date.parse("2026-01-01T00:00:02Z"));
    assert.equal(s.phase, "Running");
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status]), [
      ["PodReadyToStartContainers", "True"], ["Initialized", "True"], ["Ready", "True"], ["ContainersReady", "True"], ["PodScheduled", "True"],
    ]);
    assert.deepEqual([s.podIP, s.hostIP, s.startTime], ["10.88.1.2", "192.0.2.2", "2026-01-01T00:00:01Z"]);
    assert.deepEqual(s.containerStatuses?.[0]?.state, { running: { startedAt: "1970-01-01T00:00:01Z" } });
    assert.equal(s.containerStatuses?.[0]?.containerID, "process://id0");
  });

  test("an unready container says which, and CrashLoopBackOff shows the last termination", () => {
    const s = podStatus(pod, {
      sandboxReady: true, hostIP: "h", init: [], startTime: 0,
      containers: [view({ current: inst("exited", 2, 3), restartCount: 3, waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } })],
    }, 5000);
    const ready = s.conditions?.find((c) => c.type === "Ready");
    assert.deepEqual([ready?.status, ready?.reason, ready?.message], ["False", "ContainersNotReady", "containers with unready status: [c]"]);
    const cs = s.containerStatuses![0]!;
    assert.deepEqual(cs.state, { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } });
    assert.equal(cs.lastState?.terminated?.exitCode, 2);
    assert.equal(cs.restartCount, 3);
  });

  test("Initialized stays False (ContainersNotInitialized) when a failed init container fails the pod under restartPolicy Never", () => {
    const never: Pod = { ...pod, spec: { ...pod.spec!, restartPolicy: "Never", initContainers: [{ name: "init1", image: "busybox" }, { name: "init2", image: "busybox" }] } };
    const s = podStatus(never, {
      sandboxReady: false, hostIP: "h", startTime: 0, terminal: { phase: "Failed" },
      init: [view({ name: "init1", current: inst("exited", 0), ready: true }), view({ name: "init2", current: inst("exited", 1, 1) })],
      containers: [view()],
    }, 5000);
    assert.equal(s.phase, "Failed");
    const init = s.conditions?.find((c) => c.type === "Initialized");
    assert.deepEqual([init?.status, init?.reason, init?.message], ["False", "ContainersNotInitialized", "containers with incomplete status: [init2]"]);
  });

  test("Initialized is True with reason PodCompleted once a pod with init containers has succeeded", () => {
    const withInit: Pod = { ...pod, spec: { ...pod.spec!, restartPolicy: "Never", initContainers: [{ name: "init1", image: "busybox" }] } };
    const s = podStatus(withInit, {
      sandboxReady: false, hostIP: "h", startTime: 0, terminal: { phase: "Succeeded" },
      init: [view({ name: "init1", current: inst("exited", 0), ready: true })], containers: [view({ current: inst("exited", 0) })],
    }, 5000);
    const init = s.conditions?.find((c) => c.type === "Initialized");
    assert.deepEqual([init?.status, init?.reason], ["True", "PodCompleted"]);
  });

  test("a transition time is kept while the condition's status stays the same", () => {
    const before = { ...pod, status: { ...pod.status, conditions: [{ type: "Ready", status: "False", lastTransitionTime: "2026-01-01T00:00:00Z" }] } };
    const s = podStatus(before, { sandboxReady: false, hostIP: "h", init: [], containers: [view()], startTime: 0 }, Date.parse("2026-06-01T00:00:00Z"));
    assert.equal(s.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime, "2026-01-01T00:00:00Z");
    assert.equal(s.conditions?.find((c) => c.type === "PodReadyToStartContainers")?.lastTransitionTime, "2026-06-01T00:00:00Z");
  });
});

describe("podStatus with ephemeral containers", () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: { containers: [{ name: "c", image: "busybox" }], ephemeralContainers: [{ name: "dbg", image: "busybox" }, { name: "new", image: "busybox" }] },
    status: { phase: "Running" },
  };

  test("ephemeralContainerStatuses: terminated, waiting before the first start, never ready; the phase ignores them", () => {
    const s = podStatus(pod, {
      sandboxReady: true, podIP: "10.88.1.2", hostIP: "192.0.2.2", init: [],
      containers: [view({ current: inst("running"), ready: true, started: true })], startTime: 0,
      ephemeral: [view({ name: "dbg", current: inst("exited", 3) }), view({ name: "new" })],
    }, 5000);
    assert.equal(s.phase, "Running");
    assert.deepEqual(s.ephemeralContainerStatuses?.map((e) => [e.name, Object.keys(e.state ?? {})[0], e.ready, e.restartCount]), [
      ["dbg", "terminated", false, 0], ["new", "waiting", false, 0],
    ]);
    assert.equal(s.ephemeralContainerStatuses?.[0]?.state?.terminated?.reason, "Error");
    assert.equal(s.ephemeralContainerStatuses?.[1]?.state?.waiting?.reason, "ContainerCreating");
  });

  test("after an agent restart, an ephemeral container without an instance keeps its termination; one that ran is ContainerStatusUnknown", () => {
    const terminated = { exitCode: 0, reason: "Completed", startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z" };
    const before: Pod = { ...pod, status: { phase: "Running", ephemeralContainerStatuses: [
      { name: "dbg", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { terminated } },
      { name: "new", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { running: { startedAt: "2026-01-01T00:00:00Z" } } },
    ] } };
    const s = podStatus(before, {
      sandboxReady: true, hostIP: "192.0.2.2", init: [], containers: [view({ current: inst("running") })], startTime: 0,
      ephemeral: [view({ name: "dbg" }), view({ name: "new" })],
    }, 5000);
    assert.deepEqual(s.ephemeralContainerStatuses?.[0]?.state, { terminated });
    assert.equal(s.ephemeralContainerStatuses?.[1]?.state?.terminated?.reason, "ContainerStatusUnknown");
    assert.equal(s.ephemeralContainerStatuses?.[1]?.state?.terminated?.exitCode, 137);
  });

  test("no ephemeral containers: no ephemeralContainerStatuses", () => {
    const s = podStatus(pod, { sandboxReady: true, hostIP: "192.0.2.2", init: [], containers: [view()], startTime: 0 }, 5000);
    assert.equal(s.ephemeralContainerStatuses, undefined);
  });
});
