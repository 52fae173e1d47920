import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatIndexes, parseIndexes } from "./indexes.js";

describe("completedIndexes", () => {
  const cases: Array<[number[], string]> = [[[], ""], [[3], "3"], [[0, 1, 2, 4], "0-2,4"], [[5, 1, 0, 7, 6], "0-1,5-7"]];
  for (const [list, text] of cases) {
    test(`[${list.join(",")}] ⇄ "${text}"`, () => {
      assert.equal(formatIndexes(list), text);
      assert.deepEqual([...parseIndexes(text, 100)].sort((a, b) => a - b), [...new Set(list)].sort((a, b) => a - b));
    });
  }
  test("indexes at or beyond completions are dropped", () => assert.deepEqual([...parseIndexes("0-9", 3)], [0, 1, 2]));
});
