import { test } from "node:test";
import assert from "node:assert/strict";
import { scheduleErrors } from "./batch.js";

// Upstream's validateScheduleFormat: robfig/cron v3's ParseStandard, then no TZ in the schedule.
const cases: Array<{ name: string; schedule: string; errors: string[] }> = [
  { name: "five fields", schedule: "*/5 1-3 ? jan-mar MON,fri", errors: [] },
  { name: "@every with a Go duration", schedule: "@every 1h30m", errors: [] },
  { name: "@every with a fraction", schedule: "@every 1.5s", errors: [] },
  ...["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"].map((d) => ({ name: d, schedule: d, errors: [] })),
  { name: "@every without a unit", schedule: "@every 10", errors: ['failed to parse duration @every 10: time: missing unit in duration "10"'] },
  { name: "@every with an unknown unit", schedule: "@every 1d", errors: ['failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'] },
  { name: "an unknown descriptor", schedule: "@reboot", errors: ["unrecognized descriptor: @reboot"] },
  { name: "L (last day)", schedule: "0 0 L * *", errors: ['failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'] },
  { name: "# (nth weekday)", schedule: "0 0 * * 1#2", errors: ['failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'] },
  { name: "W (nearest weekday)", schedule: "0 0 15W * *", errors: ['failed to parse int from 15W: strconv.Atoi: parsing "15W": invalid syntax'] },
  { name: "six fields", schedule: "0 0 0 * * *", errors: ["expected exactly 5 fields, found 6: [0 0 0 * * *]"] },
  { name: "a minute beyond 59", schedule: "61 * * * *", errors: ["end of range (61) above maximum (59): 61"] },
  { name: "a day of month below 1", schedule: "0 0 0 * *", errors: ["beginning of range (0) below minimum (1): 0"] },
  { name: "Sunday as 7", schedule: "0 0 * * 7", errors: ["end of range (7) above maximum (6): 7"] },
  { name: "a backwards range", schedule: "5-1 * * * *", errors: ["beginning of range (5) beyond end of range (1): 5-1"] },
  { name: "a zero step", schedule: "*/0 * * * *", errors: ["step of range should be a positive number: */0"] },
  { name: "TZ= in the schedule", schedule: "TZ=UTC 0 0 * * *", errors: ["cannot use TZ or CRON_TZ in schedule, use timeZone field instead"] },
  { name: "CRON_TZ= with an unknown zone", schedule: "CRON_TZ=Mars/Olympus 0 0 * * *",
    errors: ["provided bad location Mars/Olympus: unknown time zone Mars/Olympus", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"] },
];
for (const c of cases) {
  test(`scheduleErrors ${c.name}: ${JSON.stringify(c.schedule)}`, () => {
    assert.deepEqual(scheduleErrors(c.schedule), c.errors);
  });
}
