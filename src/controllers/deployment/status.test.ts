import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import { formatTime } from "../../api/meta.js";
import { calculateStatus, getCondition, pausedStatus, progressCheckAfterMs, rolloutStatus } from "./status.js";

const NOW = Date.parse("2026-11-22T10:00:00Z");

function deployment(o: { replicas?: number; status?: Deployment["status"]; paused?: boolean; deadline?: number } = {}): Deployment {
  return {
    metadata: { name: "web", generation: 2 },
    spec: {
      replicas: o.replicas ?? 3, selector: {}, template: {}, paused: o.paused, progressDeadlineSeconds: o.deadline ?? 600,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    },
    status: o.status,
  };
}

const rs = (name: string, replicas: number, available: number, ready = available): ReplicaSet => ({
  metadata: { name }, spec: { replicas, selector: {} }, status: { replicas, availableReplicas: available, readyReplicas: ready },
});

const progressing = (reason: string, at: number, status = "True") => ({
  type: "Progressing", status, reason, message: "", lastUpdateTime: formatTime(at), lastTransitionTime: formatTime(at),
});

describe("deployment status", () => {
  test("counts: replicas and ready from status, unavailable from spec minus available", () => {
    const s = calculateStatus(deployment(), [rs("old", 2, 2), rs("new", 2, 1)], rs("new", 2, 1), NOW);
    assert.deepEqual([s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas, s.unavailableReplicas, s.observedGeneration], [4, 2, 3, 3, 1, 2]);
    assert.equal(getCondition(s, "Available")?.reason, "MinimumReplicasAvailable");
  });
  test("below desired − maxUnavailable: MinimumReplicasUnavailable", () => {
    const s = calculateStatus(deployment(), [rs("new", 3, 2)], rs("new", 3, 2), NOW);
    assert.equal(getCondition(s, "Available")?.status, "False");
    assert.equal(getCondition(s, "Available")?.message, "Deployment does not have minimum availability.");
  });
  test("progress: ReplicaSetUpdated refreshes lastUpdateTime and keeps lastTransitionTime", () => {
    const d = deployment({ status: { replicas: 3, updatedReplicas: 0, conditions: [progressing("NewReplicaSetCreated", NOW - 60_000)] } });
    const s = rolloutStatus(d, [rs("old", 3, 3), rs("new", 1, 0)], rs("new", 1, 0), NOW);
    const c = getCondition(s, "Progressing")!;
    assert.deepEqual([c.reason, c.message, c.lastUpdateTime, c.lastTransitionTime], ["ReplicaSetUpdated", 'ReplicaSet "new" is progressing.', formatTime(NOW), formatTime(NOW - 60_000)]);
  });
  test("complete: NewReplicaSetAvailable", () => {
    const d = deployment({ status: { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 2, conditions: [progressing("ReplicaSetUpdated", NOW - 5000)] } });
    const s = rolloutStatus(d, [rs("old", 0, 0), rs("new", 3, 3)], rs("new", 3, 3), NOW);
    assert.equal(getCondition(s, "Progressing")?.message, 'ReplicaSet "new" has successfully progressed.');
  });
  test("no progress for the deadline: ProgressDeadlineExceeded, False", () => {
    const stuck = { replicas: 4, updatedReplicas: 1, availableReplicas: 3, readyReplicas: 3, conditions: [progressing("ReplicaSetUpdated", NOW - 11_000)] };
    const s = rolloutStatus(deployment({ deadline: 10, status: stuck }), [rs("old", 3, 3), rs("new", 1, 0, 0)], rs("new", 1, 0, 0), NOW);
    const c = getCondition(s, "Progressing")!;
    assert.deepEqual([c.status, c.reason, c.message], ["False", "ProgressDeadlineExceeded", 'ReplicaSet "new" has timed out progressing.']);
  });
  test("a pending deadline is checked again when it falls due", () => {
    const s = { replicas: 4, updatedReplicas: 1, conditions: [progressing("ReplicaSetUpdated", NOW - 4000)] };
    assert.equal(progressCheckAfterMs(deployment({ deadline: 10, status: s }), s, NOW), 7000);
  });
  test("pause and resume: DeploymentPaused then DeploymentResumed, status Unknown", () => {
    const paused = pausedStatus(deployment({ paused: true, status: { conditions: [progressing("NewReplicaSetAvailable", NOW - 1000)] } }), NOW)!;
    assert.deepEqual([getCondition(paused, "Progressing")?.status, getCondition(paused, "Progressing")?.reason], ["Unknown", "DeploymentPaused"]);
    const resumed = pausedStatus(deployment({ paused: false, status: paused }), NOW)!;
    assert.equal(getCondition(resumed, "Progressing")?.reason, "DeploymentResumed");
    assert.equal(pausedStatus(deployment({ paused: false, status: resumed }), NOW), undefined);
  });
  test("a timed-out rollout is not overwritten by a pause", () => {
    assert.equal(pausedStatus(deployment({ paused: true, status: { conditions: [progressing("ProgressDeadlineExceeded", NOW, "False")] } }), NOW), undefined);
  });
});
