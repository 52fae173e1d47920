import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { evictionTime, tolerates } from "./taints.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const unreachable = { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-01-01T00:00:00Z" };

describe("tolerates", () => {
  const cases: Array<[string, object, boolean]> = [
    ["Exists with the key", { key: "node.kubernetes.io/unreachable", operator: "Exists" }, true],
    ["Exists without a key tolerates everything", { operator: "Exists" }, true],
    ["Equal needs the value", { key: "node.kubernetes.io/unreachable", value: "x" }, false],
    ["another effect", { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" }, false],
  ];
  for (const [name, t, want] of cases) test(name, () => assert.equal(tolerates([t], unreachable), want));
});

describe("evictionTime", () => {
  test("untolerated NoExecute: now", () => assert.equal(evictionTime([], [unreachable], T0), "now"));
  test("tolerated for 300 s: timeAdded + 300 s", () => {
    assert.equal(evictionTime([{ key: unreachable.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }], [unreachable], T0), T0 + 300_000);
  });
  test("tolerated forever: never", () => assert.equal(evictionTime([{ operator: "Exists" }], [unreachable], T0), "never"));
  test("NoSchedule taints never evict", () => assert.equal(evictionTime([], [{ key: "k", effect: "NoSchedule" }], T0), "never"));
});
