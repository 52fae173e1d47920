import { test } from "node:test";
import assert from "node:assert/strict";
import { logOptions } from "./server.js";

test("logOptions reads follow and timestamps as upstream's parameter codec: True, 1 and t are true", () => {
  for (const v of ["true", "True", "TRUE", "1", "t"]) {
    const o = logOptions(new URLSearchParams(`follow=${v}&timestamps=${v}`), 0);
    assert.deepEqual([o.follow, o.timestamps], [true, true], v);
  }
  for (const v of ["false", "False", "0"]) {
    const o = logOptions(new URLSearchParams(`follow=${v}&timestamps=${v}`), 0);
    assert.deepEqual([o.follow, o.timestamps], [false, false], v);
  }
});
