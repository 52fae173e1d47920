import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { matchPodFailurePolicy } from "./failure-policy.js";

const failed = (exitCode: number, conditions: Array<{ type: string; status: string }> = []): Pod => ({
  metadata: { name: "pi-x", namespace: "default" },
  status: { phase: "Failed", conditions, containerStatuses: [{ name: "main", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode } } }] },
});

describe("podFailurePolicy", () => {
  const policy = {
    rules: [
      { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      { action: "Count", onExitCodes: { operator: "NotIn", values: [1, 2] } },
    ],
  };
  test("an exit code listed in a FailJob rule fails the job, with upstream's message", () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failed(42)), { action: "FailJob", message: "Container main for pod default/pi-x failed with exit code 42 matching FailJob rule at index 0" });
  });
  test("a pod condition matches an Ignore rule", () => {
    assert.equal(matchPodFailurePolicy(policy, failed(1, [{ type: "DisruptionTarget", status: "True" }]))?.action, "Ignore");
  });
  test("NotIn matches codes outside the list; no rule matches otherwise", () => {
    assert.equal(matchPodFailurePolicy(policy, failed(7))?.action, "Count");
    assert.equal(matchPodFailurePolicy(policy, failed(1)), undefined);
    assert.equal(matchPodFailurePolicy(undefined, failed(42)), undefined);
  });
});
