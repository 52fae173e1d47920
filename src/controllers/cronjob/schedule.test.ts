import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { dueTime, jobNameFor, Schedule } from "./schedule.js";

const T = (iso: string) => Date.parse(iso);

describe("CronJob schedules", () => {
  test("5-field schedules and macros; bad ones throw", () => {
    assert.equal(Schedule.parse("*/5 * * * *", undefined).next(T("2026-11-23T10:02:30Z")), T("2026-11-23T10:05:00Z"));
    assert.equal(Schedule.parse("@hourly", undefined).next(T("2026-11-23T10:02:30Z")), T("2026-11-23T11:00:00Z"));
    assert.throws(() => Schedule.parse("61 * * * *", undefined));
  });
  test("spec.timeZone: 09:00 in New York is 14:00 UTC in November", () => {
    assert.equal(Schedule.parse("0 9 * * *", "America/New_York").next(T("2026-11-23T10:00:00Z")), T("2026-11-23T14:00:00Z"));
  });
  test("nothing due before the first start time after the last one", () => {
    assert.deepEqual(dueTime(Schedule.parse("*/5 * * * *", undefined), T("2026-11-23T10:00:00Z"), T("2026-11-23T10:04:59Z"), undefined), { missed: 0, next: T("2026-11-23T10:05:00Z") });
  });
  test("the most recent of several missed times is due, and they are counted", () => {
    const w = dueTime(Schedule.parse("* * * * *", undefined), T("2026-11-23T10:00:00Z"), T("2026-11-23T10:03:30Z"), undefined);
    assert.deepEqual(w, { due: T("2026-11-23T10:03:00Z"), missed: 3, next: T("2026-11-23T10:04:00Z") });
  });
  test("startingDeadlineSeconds limits how far back to look", () => {
    const w = dueTime(Schedule.parse("* * * * *", undefined), T("2026-11-20T00:00:00Z"), T("2026-11-23T10:03:30Z"), 150);
    assert.deepEqual(w, { due: T("2026-11-23T10:03:00Z"), missed: 2, next: T("2026-11-23T10:04:00Z") });
  });
  test("more than 100 missed times stop being counted past 101", () => {
    const w = dueTime(Schedule.parse("* * * * *", undefined), T("2026-11-20T00:00:00Z"), T("2026-11-23T10:03:30Z"), undefined);
    assert.equal(w.due, T("2026-11-23T10:03:00Z"));
    assert.equal(w.missed, 101);
  });
  test("dueTime counts @every from the earliest time: 10:01:30 and 10:03:00 passed, 10:03:00 due, 10:04:30 next", () => {
    const every = Schedule.parse("@every 1m30s", undefined);
    assert.deepEqual(dueTime(every, T("2026-11-23T10:00:00Z"), T("2026-11-23T10:04:00Z"), undefined),
      { due: T("2026-11-23T10:03:00Z"), missed: 2, next: T("2026-11-23T10:04:30Z") });
    assert.deepEqual(dueTime(every, T("2026-11-23T10:00:00.700Z"), T("2026-11-23T10:01:00Z"), undefined), { missed: 0, next: T("2026-11-23T10:01:30Z") });
  });
  test("Schedule.parse: descriptors as robfig's, and what it refuses", () => {
    assert.equal(Schedule.parse("@weekly", undefined).next(T("2026-11-23T10:02:30Z")), T("2026-11-29T00:00:00Z"));
    assert.equal(Schedule.parse("@yearly", undefined).next(T("2026-11-23T10:02:30Z")), T("2027-01-01T00:00:00Z"));
    assert.equal(Schedule.parse("0 0 ? * mon", undefined).next(T("2026-11-23T10:02:30Z")), T("2026-11-30T00:00:00Z"));
    assert.throws(() => Schedule.parse("0 0 L * *", undefined), /failed to parse int from L/);
    assert.throws(() => Schedule.parse("0 0 * * 1#2", undefined), /failed to parse int from 1#2/);
    assert.throws(() => Schedule.parse("0 0 * * 7", undefined), /end of range \(7\) above maximum \(6\): 7/);
  });
  test("job names are <cronjob>-<minutes since the epoch>", () => {
    assert.equal(jobNameFor("hello", T("2026-11-23T10:03:00Z")), `hello-${T("2026-11-23T10:03:00Z") / 60_000}`);
  });
});
