import { pino, stdTimeFunctions, type Level, type Logger } from "pino";
import pretty from "pino-pretty";

/** The function type every component takes for its structured log lines (`{ level, msg, ...fields }`). */
export type Log = (entry: Record<string, unknown>) => void;

/** A component's own log (a child logger bound to `{ component }`). */
export type LogFor = (component: string) => Log;

/** Upstream's --logging-format: text (human-readable lines) or json (one object a line). */
export type LoggingFormat = "text" | "json";

export interface LoggerOptions {
  /** Absent: text on a terminal, json otherwise (a pipe, a file, the e2e harness). */
  format?: LoggingFormat;
  /** The lowest level written (default info). */
  level?: Level;
  /** Where lines go (default stderr, fd 2). */
  fd?: number;
}

/**
 * The one logger of every `tug` command: pino, writing synchronously (a command that exits right after a
 * line loses nothing), JSON with ISO times and level names, or pino-pretty's single lines
 * `[12:00:00.000] INFO: scheduler: Bound {"pod":"default/web"}` when a person is reading (an `err` goes on
 * the lines below, so a stack reads as one).
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const fd = opts.fd ?? 2;
  const format = opts.format ?? (fd === 2 && process.stderr.isTTY ? "text" : "json");
  const level = opts.level ?? "info";
  if (format === "text") {
    return pino({ base: undefined, level }, pretty({
      destination: fd, sync: true, singleLine: true, translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,component", messageFormat: "{if component}{component}: {end}{msg}",
    }));
  }
  return pino({
    base: undefined, level, timestamp: stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) },
  }, pino.destination({ dest: fd, sync: true }));
}

const LEVELS: Record<string, Level> = { debug: "debug", info: "info", warn: "warn", warning: "warn", error: "error", fatal: "fatal", trace: "trace" };

/**
 * A {@link Log} (the function type the components take: `log({ level, msg, ...fields })`) writing through a
 * child of `logger` bound to `{ component }`. An entry naming another component (the kubelet inside
 * `tug up`, a controller's loop) goes through that component's child instead, so every line carries
 * exactly one `component`.
 */
export function componentLog(logger: Logger, component: string): Log {
  const children = new Map<string, Logger>();
  const child = (name: string) => {
    let c = children.get(name);
    if (!c) children.set(name, (c = logger.child({ component: name })));
    return c;
  };
  return (entry) => {
    const { level, msg, component: named, ...fields } = entry;
    const target = child(typeof named === "string" ? named : component);
    target[LEVELS[String(level)] ?? "info"](fields, typeof msg === "string" ? msg : "");
  };
}
