import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { imageFlags } from "./image-flags.js";

describe("imageFlags", () => {
  test("upstream's defaults when no flag is given", () => {
    assert.deepEqual(imageFlags({}), {
      gcPolicy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 }, gcPeriodMs: 300_000, nodeStatusMaxImages: 50,
    });
  });

  test("reads every flag", () => {
    assert.deepEqual(imageFlags({
      "image-gc-high-threshold": "1", "image-gc-low-threshold": "0", "image-minimum-gc-age": "0", "image-gc-period": "500ms", "node-status-max-images": "-1",
    }), { gcPolicy: { highThresholdPercent: 1, lowThresholdPercent: 0, minAgeMs: 0 }, gcPeriodMs: 500, nodeStatusMaxImages: -1 });
  });

  const refused = [
    { name: "a high threshold above 100", values: { "image-gc-high-threshold": "101" }, want: "invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) 101 must be between 0 and 100, inclusive" },
    { name: "a negative low threshold", values: { "image-gc-low-threshold": "-1" }, want: "invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) -1 must be between 0 and 100, inclusive" },
    { name: "a low threshold not below the high one", values: { "image-gc-high-threshold": "50", "image-gc-low-threshold": "50" }, want: "invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) 50 must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) 50" },
    { name: "max images below -1", values: { "node-status-max-images": "-2" }, want: "invalid configuration: nodeStatusMaxImages (--node-status-max-images) -2 must be -1 or greater" },
    { name: "a threshold that is no integer", values: { "image-gc-high-threshold": "85%" }, want: /^invalid argument "85%" for "--image-gc-high-threshold" flag/ },
    { name: "an age that is no duration", values: { "image-minimum-gc-age": "2" }, want: /^invalid argument "2" for "--image-minimum-gc-age" flag/ },
    { name: "a zero GC period", values: { "image-gc-period": "0s" }, want: /^invalid argument "0s" for "--image-gc-period" flag/ },
  ];
  for (const c of refused) {
    test(`refuses ${c.name}`, () => {
      const r = imageFlags(c.values);
      assert.equal(typeof r, "string");
      if (typeof c.want === "string") assert.equal(r, c.want);
      else assert.match(r as string, c.want);
    });
  }
});
