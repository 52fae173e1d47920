import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Taint } from "kubernetes-types/core/v1.js";
import { conditionTaints, NOT_READY, UNREACHABLE, unknownConditions } from "./node-health.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

describe("unknownConditions", () => {
  test("every agent condition turns Unknown with upstream's reason and message, heartbeats kept", () => {
    const out = unknownConditions([
      { type: "Ready", status: "True", lastHeartbeatTime: "2025-12-31T23:59:00Z", lastTransitionTime: "2025-12-01T00:00:00Z" },
      { type: "MemoryPressure", status: "False", lastHeartbeatTime: "2025-12-31T23:59:00Z" },
      { type: "NetworkUnavailable", status: "False" },
    ], T0)!;
    const ready = out.find((c) => c.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason, ready.message, ready.lastHeartbeatTime, ready.lastTransitionTime],
      ["Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", "2025-12-31T23:59:00Z", "2026-01-01T00:00:00Z"]);
    assert.deepEqual(out.map((c) => c.type).sort(), ["DiskPressure", "MemoryPressure", "NetworkUnavailable", "PIDPressure", "Ready"]);
    assert.equal(out.find((c) => c.type === "NetworkUnavailable")?.status, "False");
  });
  test("already Unknown: nothing to write", () => {
    assert.equal(unknownConditions([{ type: "Ready", status: "Unknown" }], T0), undefined);
  });
});

describe("conditionTaints", () => {
  const user: Taint = { key: "dedicated", value: "db", effect: "NoSchedule" };
  test("Unknown adds both unreachable taints, NoExecute stamped with timeAdded", () => {
    assert.deepEqual(conditionTaints([user], "Unknown", T0), [
      user, { key: UNREACHABLE, effect: "NoSchedule" }, { key: UNREACHABLE, effect: "NoExecute", timeAdded: "2026-01-01T00:00:00Z" },
    ]);
  });
  test("False swaps unreachable for not-ready", () => {
    const out = conditionTaints([{ key: UNREACHABLE, effect: "NoSchedule" }, { key: UNREACHABLE, effect: "NoExecute", timeAdded: "x" }], "False", T0)!;
    assert.deepEqual(out.map((t) => `${t.key}:${t.effect}`), [`${NOT_READY}:NoSchedule`, `${NOT_READY}:NoExecute`]);
  });
  test("True removes them; unchanged taints need no write", () => {
    assert.deepEqual(conditionTaints([user, { key: NOT_READY, effect: "NoExecute" }], "True", T0), [user]);
    assert.equal(conditionTaints([user], "True", T0), undefined);
    const tainted = conditionTaints([], "Unknown", T0)!;
    assert.equal(conditionTaints(tainted, "Unknown", T0 + 5000), undefined);
  });
});
