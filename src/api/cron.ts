/**
 * CronJob schedules as upstream parses them (robfig/cron v3's ParseStandard): five fields (minute, hour,
 * day of month, month, day of week) of numbers, names (`jan`, `mon`), `*` and `?`, ranges, steps and
 * lists; the descriptors `@yearly @annually @monthly @weekly @daily @midnight @hourly`; `@every <Go
 * duration>`; an optional `TZ=`/`CRON_TZ=` prefix. Nothing else: no `L`, `W`, `#`, seconds or years.
 * Errors carry robfig's messages, which upstream's validation reports as they are.
 */
export type CronSchedule =
  /** Every `seconds` from the time it is counted from (robfig's ConstantDelaySchedule). */
  | { kind: "every"; seconds: number; timeZone?: string }
  /** A 5-field expression in a form cron-parser reads with robfig's meaning (names and `?` resolved). */
  | { kind: "fields"; expression: string; timeZone?: string };

export class CronSyntaxError extends Error {}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [{ min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, { min: 1, max: 12, names: MONTHS }, { min: 0, max: 6, names: DAYS }];
const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};

/** Parses a schedule; throws CronSyntaxError with robfig's message. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronSyntaxError("empty spec string");
  let timeZone: string | undefined;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    const end = space < 0 ? spec.length : space;
    timeZone = spec.slice(spec.indexOf("=") + 1, end);
    if (!knownTimeZone(timeZone)) throw new CronSyntaxError(`provided bad location ${timeZone}: unknown time zone ${timeZone}`);
    spec = spec.slice(end).trim();
  }
  if (spec.startsWith("@")) {
    const fields = DESCRIPTORS[spec];
    if (fields) return { kind: "fields", expression: fields, timeZone };
    if (spec.startsWith("@every ")) {
      const text = spec.slice("@every ".length);
      const nanos = parseGoDuration(text);
      if (nanos === undefined) throw new CronSyntaxError(`failed to parse duration ${spec}: ${durationError(text)}`);
      // robfig's Every: at least a second, whole seconds.
      return { kind: "every", seconds: Math.max(1, Math.floor(nanos / 1e9)), timeZone };
    }
    throw new CronSyntaxError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new CronSyntaxError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  return { kind: "fields", expression: fields.map((f, i) => normalizeField(f, FIELDS[i]!)).join(" "), timeZone };
}

/** One field checked as robfig's getField, rewritten with numbers for names and `*` for `?`. */
function normalizeField(field: string, bounds: Bounds): string {
  const ranges = field.split(",").filter(Boolean);
  return ranges.map((expr) => {
    const [range, step, ...moreSlashes] = expr.split("/");
    if (moreSlashes.length > 0) throw new CronSyntaxError(`too many slashes: ${expr}`);
    const [low, high, ...moreHyphens] = range!.split("-");
    let start: number;
    let end: number;
    const star = low === "*" || low === "?";
    if (star) {
      start = bounds.min;
      end = bounds.max;
    } else {
      start = intOrName(low!, bounds.names);
      if (moreHyphens.length > 0) throw new CronSyntaxError(`too many hyphens: ${expr}`);
      end = high === undefined ? start : intOrName(high, bounds.names);
    }
    let stepValue = 1;
    if (step !== undefined) {
      stepValue = atoi(step);
      if (high === undefined) end = bounds.max; // "N/step" means "N-max/step"
    }
    if (start < bounds.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
    if (end > bounds.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
    if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (stepValue === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
    const base = star ? "*" : start === end && step === undefined ? String(start) : `${start}-${end}`;
    return step === undefined ? base : `${star ? "*" : `${start}-${end}`}/${stepValue}`;
  }).join(",");
}

function intOrName(text: string, names: Record<string, number> | undefined): number {
  const named = names?.[text.toLowerCase()];
  return named ?? atoi(text);
}

/** Go's strconv.Atoi as robfig's mustParseInt uses it (a sign is allowed; a negative number is not). */
function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CronSyntaxError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new CronSyntaxError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  if (n < 0) throw new CronSyntaxError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration (`1h30m`, `90s`, `1.5h`, `-2m`), in nanoseconds; undefined when it isn't one. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * UNIT_NANOS[part[2]!]!;
  return m[1] === "-" ? -total : total;
}

/** Go's ParseDuration error for text it refuses. */
function durationError(text: string): string {
  const quoted = JSON.stringify(text);
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return `time: missing unit in duration ${quoted}`;
  const unit = /^[+-]?(?:\d+\.?\d*|\.\d+)([^\d.]+)/.exec(text)?.[1];
  if (unit !== undefined && !(unit in UNIT_NANOS)) return `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`;
  return `time: invalid duration ${quoted}`;
}

function knownTimeZone(tz: string): boolean {
  if (tz === "" || tz === "Local") return tz === "Local";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
