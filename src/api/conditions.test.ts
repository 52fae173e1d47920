import assert from "node:assert/strict";
import { test } from "node:test";
import { withCondition } from "./conditions.js";

type C = { type: string; status: string; reason?: string; lastTransitionTime?: string };
const before: C[] = [{ type: "A", status: "True", lastTransitionTime: "t0" }, { type: "B", status: "False", reason: "Old", lastTransitionTime: "t0" }];

test("withCondition replaces in place, keeping the transition time while the status holds and moving it when it changes", () => {
  assert.deepEqual(withCondition(before, { type: "B", status: "False", reason: "New" }, "t1"), [before[0], { type: "B", status: "False", reason: "New", lastTransitionTime: "t0" }]);
  assert.deepEqual(withCondition(before, { type: "A", status: "False" }, "t1"), [{ type: "A", status: "False", lastTransitionTime: "t1" }, before[1]]);
  assert.equal(before[0]!.status, "True", "the given list is left as it was");
});

test("withCondition appends a condition of a new type at now", () => {
  assert.deepEqual(withCondition(undefined, { type: "A", status: "True" }, "t1"), [{ type: "A", status: "True", lastTransitionTime: "t1" }]);
  assert.deepEqual(withCondition(before, { type: "C", status: "True" }, "t1").map((c) => c.type), ["A", "B", "C"]);
});
