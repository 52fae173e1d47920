import assert from "node:assert/strict";
import { test } from "node:test";
import { cloneJson } from "../types.js";
import { applyMergePatch } from "./merge-patch.js";

test("applyMergePatch follows RFC 7386: objects merge, null deletes, arrays and scalars replace", () => {
  // The examples of RFC 7386, appendix A.
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of cases) assert.deepEqual(applyMergePatch(target, patch), result, JSON.stringify({ target, patch }));
});

test("applyMergePatch shares nothing with the patch or changes the target: a retried update applies the same patch again", () => {
  const target = { status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] } };
  const patch = { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], podIPs: [{ ip: "10.0.0.1" }] } };
  const before = cloneJson({ target, patch });
  const result = applyMergePatch(target, patch) as typeof patch;
  result.status.conditions[0]!.status = "False";
  result.status.podIPs.push({ ip: "10.0.0.2" });
  assert.deepEqual({ target, patch }, before);
});

test("cloneJson copies JSON values deeply", () => {
  const value = { a: [1, { b: null, c: "d" }], e: { f: true, g: 1.5 } };
  const copy = cloneJson(value);
  assert.deepEqual(copy, value);
  assert.notEqual(copy.a, value.a);
  assert.notEqual(copy.a[1], value.a[1]);
  assert.notEqual(copy.e, value.e);
});
