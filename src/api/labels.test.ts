import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSelector, selectorFromLabelSelector } from "./labels.js";

const labels = { app: "myapp", release: "canary", tier: "web" };
const cases: Array<[string, string, boolean]> = [
  ["equality", "app=myapp", true],
  ["double equals", "app==myapp", true],
  ["inequality on present key", "app!=myapp", false],
  ["inequality on missing key", "zone!=a", true],
  ["set in", "release in (canary,stable)", true],
  ["set notin", "release notin (canary)", false],
  ["exists", "tier", true],
  ["does not exist", "!tier", false],
  ["conjunction", "app=myapp,release=canary", true],
  ["conjunction failing", "app=myapp,release=stable", false],
  ["spaces around", " app = myapp , tier ", true],
  ["empty selector", "", true],
];
for (const [name, text, expected] of cases) {
  test(`parseSelector ${name}: ${JSON.stringify(text)}`, () => {
    assert.equal(parseSelector(text).matches(labels), expected);
  });
}

test("parseSelector rejects bad syntax with a 400", () => {
  assert.throws(() => parseSelector("app in canary"), (e: { code?: number }) => e.code === 400);
});

test("selectorFromLabelSelector handles matchExpressions", () => {
  const s = selectorFromLabelSelector({
    matchLabels: { app: "myapp" },
    matchExpressions: [{ key: "release", operator: "In", values: ["canary"] }, { key: "x", operator: "DoesNotExist" }],
  })!;
  assert.equal(s.matches(labels), true);
  assert.equal(s.matches({ app: "myapp", release: "stable" }), false);
  assert.equal(selectorFromLabelSelector(undefined), undefined);
  assert.equal(selectorFromLabelSelector({})!.matches({}), true);
});
