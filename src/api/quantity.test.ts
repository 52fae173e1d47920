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

const canonical: Array<{ name: string; input: string | number; expected: string }> = [
  { name: "whole milli-units become units", input: "1000m", expected: "1" },
  { name: "a fraction becomes milli-units", input: "0.5", expected: "500m" },
  { name: "binary units move up a suffix", input: "1024Mi", expected: "1Gi" },
  { name: "binary units that don't divide stay", input: "1536Mi", expected: "1536Mi" },
  { name: "decimal units move up a suffix", input: "1000M", expected: "1G" },
  { name: "an exponent stays an exponent", input: "1e3", expected: "1e3" },
  { name: "an exponent of zero is dropped", input: "1e0", expected: "1" },
  { name: "a small exponent keeps a whole mantissa", input: "1E-3", expected: "1e-3" },
  { name: "a plain number", input: 2000, expected: "2k" },
  { name: "binary below 1024 is written decimal", input: ".001Ki", expected: "1024m" },
  { name: "binary with a fraction is written decimal", input: "0.5Ki", expected: "512" },
  { name: "below a nano-unit rounds up", input: "0.0000000001", expected: "1n" },
  { name: "zero", input: "0Mi", expected: "0" },
  { name: "negative", input: "-1500m", expected: "-1500m" },
  { name: "a sign and a trailing dot", input: "+1.G", expected: "1G" },
];
for (const c of canonical) {
  test(`Quantity.toString ${c.name}: ${c.input} → ${c.expected}`, () => {
    assert.equal(Quantity.parse(c.input).toString(), c.expected);
  });
}

test("Quantity.parse rejects what upstream's ParseQuantity does", () => {
  for (const bad of ["abc", "1.5.5", "0x10", "", "1.1.M", "0.1mi", "1i", "-3.01e-", "1e99999"]) {
    assert.throws(() => Quantity.parse(bad), (e: { code?: number }) => e.code === 400, bad);
  }
});
