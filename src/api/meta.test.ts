import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMicroTime, formatTime } from "./meta.js";

test("formatTime writes RFC 3339 at second precision, truncating, as metav1.Time", () => {
  const t = Date.UTC(2026, 11, 7, 3, 4, 5, 999);
  assert.equal(formatTime(t), "2026-12-07T03:04:05Z");
  assert.equal(formatTime(t - 999), "2026-12-07T03:04:05Z");
  assert.equal(formatTime(t + 1), "2026-12-07T03:04:06Z");
  assert.equal(formatTime(t - 1000), "2026-12-07T03:04:04Z", "an earlier second after a later one");
  assert.equal(formatTime(0), "1970-01-01T00:00:00Z");
});

test("formatMicroTime writes microseconds, as metav1.MicroTime", () => {
  assert.equal(formatMicroTime(Date.UTC(2026, 11, 7, 3, 4, 5, 67)), "2026-12-07T03:04:05.067000Z");
});
