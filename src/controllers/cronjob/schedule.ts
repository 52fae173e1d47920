import { CronExpressionParser } from "cron-parser";
import { parseCronSchedule, type CronSchedule } from "../../api/cron.js";

/**
 * A CronJob's schedule in its time zone (UTC when spec.timeZone is unset, as the controller manager's),
 * parsed as upstream's (robfig/cron): 5 fields, descriptors, or `@every <duration>`.
 */
export class Schedule {
  private constructor(private readonly parsed: CronSchedule, readonly timeZone: string) {}

  /** Parses a schedule; throws with robfig's message. */
  static parse(expression: string, timeZone: string | undefined): Schedule {
    const parsed = parseCronSchedule(expression);
    const tz = parsed.timeZone ?? timeZone ?? "UTC";
    if (parsed.kind === "fields") CronExpressionParser.parse(parsed.expression, { tz, currentDate: new Date(0) });
    return new Schedule(parsed, tz);
  }

  /** `@every`'s interval in ms, or undefined for a calendar schedule. */
  get every(): number | undefined {
    return this.parsed.kind === "every" ? this.parsed.seconds * 1000 : undefined;
  }

  /** The last scheduled time at or before `at` (calendar schedules only: `@every` has no fixed grid). */
  latest(at: number): number {
    if (this.parsed.kind === "every") throw new Error("an @every schedule has no latest time of its own");
    return CronExpressionParser.parse(this.parsed.expression, { tz: this.timeZone, currentDate: new Date(at + 1) }).prev().getTime();
  }

  /** The first scheduled time strictly after `after` (ms since the epoch); `@every d` is `after`, whole seconds, plus d. */
  next(after: number): number {
    if (this.parsed.kind === "every") return Math.floor(after / 1000) * 1000 + this.parsed.seconds * 1000;
    return CronExpressionParser.parse(this.parsed.expression, { tz: this.timeZone, currentDate: new Date(after) }).next().getTime();
  }
}

export interface ScheduleWindow {
  /** The most recent scheduled time not yet started (≤ now), if any. */
  due?: number;
  /** How many start times passed since the last one, counted up to 101 (upstream warns beyond 100). */
  missed: number;
  /** The next scheduled time after now. */
  next: number;
}

/**
 * Upstream's mostRecentScheduleTime: start from the last schedule time (or the CronJob's creation), moved
 * up to now − startingDeadlineSeconds when that is later; the start times between then and now are
 * missed, and only the most recent of them is run. `@every d` counts from the earliest time: with
 * earliest 10:00:00, d = 90 s and now 10:04:00 the times are 10:01:30 and 10:03:00, so 10:03:00 is due
 * (2 missed) and 10:04:30 is next.
 */
export function dueTime(schedule: Schedule, earliest: number, now: number, startingDeadlineSeconds: number | undefined): ScheduleWindow {
  let from = earliest;
  if (startingDeadlineSeconds !== undefined) from = Math.max(from, now - startingDeadlineSeconds * 1000);
  const first = schedule.next(from);
  if (first > now) return { missed: 0, next: first };
  const every = schedule.every;
  if (every !== undefined) {
    const missed = Math.floor((now - first) / every) + 1;
    const due = first + (missed - 1) * every;
    return { due, missed: Math.min(missed, 101), next: due + every };
  }
  const due = schedule.latest(now);
  let missed = 1;
  for (let t = first; t < due && missed <= 100; t = schedule.next(t)) missed++;
  return { due, missed, next: schedule.next(due) };
}

/** The Job name for a scheduled time: `<cronjob>-<minutes since the epoch>`, so one time gives one Job. */
export function jobNameFor(cronJob: string, scheduled: number): string {
  return `${cronJob}-${Math.floor(scheduled / 60_000)}`;
}
