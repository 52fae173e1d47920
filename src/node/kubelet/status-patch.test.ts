import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { statusPatch } from "./status-patch.js";

describe("statusPatch", () => {
  test("equal statuses need no patch, whatever the key order", () => {
    assert.equal(statusPatch({ phase: "Running", podIP: "1.2.3.4" }, { podIP: "1.2.3.4", phase: "Running" }), undefined);
  });
  test("a change sends the new status with null for dropped fields", () => {
    assert.deepEqual(statusPatch({ phase: "Failed", reason: "X", message: "m" }, { phase: "Running" }), { phase: "Running", reason: null, message: null });
  });
});
