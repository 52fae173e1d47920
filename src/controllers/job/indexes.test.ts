import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { IndexSet, formatIndexes, parseIndexes } from "./indexes.js";

describe("completedIndexes", () => {
  const cases: Array<[number[], string]> = [[[], ""], [[3], "3"], [[0, 1, 2, 4], "0-2,4"], [[5, 1, 0, 7, 6], "0-1,5-7"]];
  for (const [list, text] of cases) {
    test(`[${list.join(",")}] ⇄ "${text}"`, () => {
      assert.equal(formatIndexes(list), text);
      const parsed = parseIndexes(text, 100);
      assert.equal(parsed.toString(), text);
      assert.equal(parsed.size, new Set(list).size);
      for (const i of list) assert.ok(parsed.has(i));
    });
  }
  test("indexes at or beyond completions are dropped", () => assert.equal(parseIndexes("0-9", 3).toString(), "0-2"));
  test("parseIndexes: a range of two billion indexes is one range", () => {
    const set = parseIndexes("0-2147483646", 2147483647);
    assert.equal(set.size, 2147483647);
    assert.ok(set.has(2147483646));
    assert.equal(set.nextAbsent(5), 2147483647);
  });
  test("IndexSet.add merges touching and overlapping ranges", () => {
    const set = IndexSet.of([5, 1, 3]);
    assert.equal(set.toString(), "1,3,5");
    set.add(2);
    set.add(4);
    assert.equal(set.toString(), "1-5");
    set.addRange(0, 9);
    assert.deepEqual([set.toString(), set.size], ["0-9", 10]);
    assert.equal(set.nextAbsent(0), 10);
    assert.equal(set.has(10), false);
  });
});
