import { test } from "node:test";
import assert from "node:assert/strict";
import { Quantity } from "./quantity.js";

const cases: Array<[string, string, string, -1 | 0 | 1]> = [
  ["milli cpu equals decimal", "100m", "0.1", 0],
  ["binary vs decimal", "1Gi", "1G", 1],
  ["exponent", "2e3", "2k", 0],
  ["whole cpus", "2", "1500m", 1],
  ["bytes", "128Mi", "134217728", 0],
];
for (const [name, a, b, expected] of cases) {
  test(`Quantity.cmp ${name}: ${a} vs ${b}`, () => {
    assert.equal(Quantity.parse(a).cmp(Quantity.parse(b)), expected);
  });
}

test("Quantity sums exactly", () => {
  const sum = ["100m", "200m", "0.7"].map((s) => Quantity.parse(s)).reduce((a, b) => a.add(b));
  assert.equal(sum.cmp(Quantity.parse("1")), 0);
  assert.equal(Quantity.parse("1500m").value(), 2n);
  assert.equal(Quantity.parse("1.5").milliValue(), 1500n);
});

test("Quantity.parse rejects garbage with a 400", () => {
  assert.throws(() => Quantity.parse("12xyz"), (e: { code?: number }) => e.code === 400);
});
