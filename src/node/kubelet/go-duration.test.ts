import assert from "node:assert/strict";
import { test } from "node:test";
import { goDurationMs } from "./go-duration.js";

test("goDurationMs prints as Go's Duration.String after Truncate(time.Millisecond)", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"], [0.7, "0s"], [52.9, "52ms"], [999, "999ms"], [1000, "1s"], [1500, "1.5s"], [1661, "1.661s"], [7264.9, "7.264s"],
    [10_000, "10s"], [60_000, "1m0s"], [62_030, "1m2.03s"], [3_600_000, "1h0m0s"],
  ];
  for (const [ms, want] of cases) assert.equal(goDurationMs(ms), want, `${ms} ms`);
});
