import { CronExpressionParser } from "cron-parser";

/** A CronJob's schedule in its time zone (UTC when spec.timeZone is unset, as the controller manager's). */
export class Schedule {
  private constructor(private readonly expression: string, readonly timeZone: string) {}

  /** Parses a standard 5-field schedule or macro (@hourly, @daily, …); throws with the parser's message. */
  static parse(expression: string, timeZone: string | undefined): Schedule {
    const tz = timeZone ?? "UTC";
    CronExpressionParser.parse(expression, { tz, currentDate: new Date(0) });
    return new Schedule(expression, tz);
  }

  /** The last scheduled time at or before `at`. */
  latest(at: number): number {
    return CronExpressionParser.parse(this.expression, { tz: this.timeZone, currentDate: new Date(at + 1) }).prev().getTime();
  }

  /** The first scheduled time strictly after `after` (ms since the epoch). */
  next(after: number): number {
    return CronExpressionParser.parse(this.expression, { tz: this.timeZone, currentDate: new Date(after) }).next().getTime();
  }
}

export interface ScheduleWindow {
  /** The most recent scheduled time not yet started (≤ now), if any. */
  due?: number;
  /** How many start times passed since the last one, counted up to 101 (upstream warns beyond 100). */
  missed: number;
}

/**
 * Upstream's mostRecentScheduleTime: start from the last schedule time (or the CronJob's creation), moved
 * up to now − startingDeadlineSeconds when that is later; the start times between then and now are
 * missed, and only the most recent of them is run.
 */
export function dueTime(schedule: Schedule, earliest: number, now: number, startingDeadlineSeconds: number | undefined): ScheduleWindow {
  let from = earliest;
  if (startingDeadlineSeconds !== undefined) from = Math.max(from, now - startingDeadlineSeconds * 1000);
  const first = schedule.next(from);
  if (first > now) return { missed: 0 };
  const due = schedule.latest(now);
  let missed = 1;
  for (let t = first; t < due && missed <= 100; t = schedule.next(t)) missed++;
  return { due, missed };
}

/** The Job name for a scheduled time: `<cronjob>-<minutes since the epoch>`, so one time gives one Job. */
export function jobNameFor(cronJob: string, scheduled: number): string {
  return `${cronJob}-${Math.floor(scheduled / 60_000)}`;
}
