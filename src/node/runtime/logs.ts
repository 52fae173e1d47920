import { createWriteStream, type WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";

/**
 * Container logs in the CRI file format the kubelet reads: one entry a line,
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`, P marking a partial line continued by the next entry.
 */

/** Go's RFC3339Nano for a millisecond time: trailing zeros of the fraction trimmed. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

const MAX_LINE = 16 * 1024;

/** Appends a container's stdout and stderr to its log file, line by line. */
export class CriLogWriter {
  private readonly file: WriteStream;
  private pending = 0;
  /** Settles once every attached stream has ended and what they wrote is in the file (or writing failed). */
  readonly closed: Promise<void>;

  constructor(path: string, private readonly now: () => number = Date.now) {
    this.file = createWriteStream(path, { flags: "a" });
    this.closed = new Promise((resolve) => this.file.once("close", resolve));
    this.file.on("error", () => undefined);
  }

  attach(stream: Readable, name: "stdout" | "stderr"): void {
    this.pending++;
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() as string;
      const t = rfc3339Nano(this.now());
      let out = "";
      for (const line of lines) out += `${t} ${name} F ${line}\n`;
      while (partial.length > MAX_LINE) {
        out += `${t} ${name} P ${partial.slice(0, MAX_LINE)}\n`;
        partial = partial.slice(MAX_LINE);
      }
      if (out) this.file.write(out);
    });
    stream.on("close", () => {
      // Output that ends without a newline ends in a partial entry, as containerd writes it, so readers
      // (logs, termination messages) get no newline the container never wrote.
      if (partial) this.file.write(`${rfc3339Nano(this.now())} ${name} P ${partial}\n`);
      if (--this.pending === 0) this.file.end();
    });
  }

  /** A line written by the runtime itself (e.g. why a container could not start). */
  note(text: string): void {
    this.file.write(`${rfc3339Nano(this.now())} stderr F ${text}\n`);
  }

  close(): void {
    if (this.pending === 0) this.file.end();
  }
}

export interface LogEntry {
  time: string;
  stream: "stdout" | "stderr";
  /** The text including its newline (none for a partial entry). */
  text: string;
}

export function parseCriLog(content: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of content.split("\n")) {
    const a = line.indexOf(" ");
    const b = line.indexOf(" ", a + 1);
    const c = line.indexOf(" ", b + 1);
    if (a < 0 || b < 0 || c < 0) continue;
    const stream = line.slice(a + 1, b);
    if (stream !== "stdout" && stream !== "stderr") continue;
    entries.push({ time: line.slice(0, a), stream, text: line.slice(c + 1) + (line.slice(b + 1, c) === "P" ? "" : "\n") });
  }
  return entries;
}

export interface LogOptions {
  tailLines?: number;
  sinceTime?: number;
  timestamps?: boolean;
  limitBytes?: number;
  follow?: boolean;
  /**
   * Start at this byte of the file instead of its beginning (no tail applies). An attach takes the log's
   * size when it starts, before it writes any input: what the container answers is after that point.
   */
  fromByte?: number;
}

/**
 * Writes a container's log to `out` as `kubectl logs` expects (text, optionally each line prefixed by
 * its time); with `follow`, keeps writing new entries until `stillRunning()` is false or `signal` aborts.
 */
export async function streamLog(
  path: string, opts: LogOptions, write: (text: string) => boolean | void, stillRunning: () => boolean, signal: AbortSignal,
): Promise<void> {
  let budget = opts.limitBytes ?? Infinity;
  const emit = (entries: LogEntry[]): boolean => {
    for (const e of entries) {
      if (opts.sinceTime !== undefined && Date.parse(e.time) < opts.sinceTime) continue;
      let text = opts.timestamps ? `${e.time} ${e.text}` : e.text;
      if (Buffer.byteLength(text) > budget) text = Buffer.from(text).subarray(0, budget).toString();
      budget -= Buffer.byteLength(text);
      write(text);
      if (budget <= 0) return false;
    }
    return true;
  };
  const reader = new LogReader(path, opts.fromByte);
  let first = await reader.next();
  if (opts.tailLines !== undefined && opts.fromByte === undefined) first = opts.tailLines === 0 ? [] : first.slice(-opts.tailLines);
  if (!emit(first) || !opts.follow) return;
  while (!signal.aborted) {
    const running = stillRunning();
    await new Promise((r) => setTimeout(r, 200));
    if (!emit(await reader.next())) return;
    if (!running) return;
  }
}

/**
 * Reads a log file's complete entries from where the previous read stopped: following a log costs what
 * was appended since, not the whole file every poll. A file that does not exist (yet) has no entries.
 */
export class LogReader {
  /** Bytes read from the file so far (what a follow costs). */
  bytesRead = 0;

  constructor(private readonly path: string, private offset = 0) {}

  async next(): Promise<LogEntry[]> {
    let file;
    try {
      file = await open(this.path, "r");
    } catch {
      return [];
    }
    try {
      const { size } = await file.stat();
      if (size <= this.offset) return [];
      const buf = Buffer.allocUnsafe(size - this.offset);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await file.read(buf, got, buf.length - got, this.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      this.bytesRead += got;
      const end = buf.subarray(0, got).lastIndexOf(0x0a) + 1;
      if (end === 0) return [];
      this.offset += end;
      return parseCriLog(buf.subarray(0, end).toString("utf8"));
    } finally {
      await file.close();
    }
  }
}
