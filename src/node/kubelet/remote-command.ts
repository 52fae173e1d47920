import type { Duplex } from "node:stream";
import type { IncomingMessage } from "node:http";
import { WebSocket, type RawData } from "ws";
import type { SpdySession, SpdyStream } from "../../api/spdy/session.js";
import type { ExecProcess } from "../runtime/runtime.js";

/**
 * The remote command protocol (k8s.io/apimachinery's util/remotecommand) that exec and attach speak
 * once their connection is upgraded, over either transport:
 *
 * - WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`, older `channel.k8s.io`, and their `base64.`
 *   text forms): each message starts with its channel — 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize;
 *   v5 adds 255, `[255, channel]` closing that channel (stdin's EOF). The server first sends an empty
 *   message on its lowest output channel (the client's "connected" signal).
 * - SPDY/3.1 (`X-Stream-Protocol-Version: v4.channel.k8s.io` …): the client opens one stream per channel,
 *   named by its `streamType` header (error, stdin, stdout, stderr, resize); the command starts once all
 *   it asked for are open.
 *
 * At the end the error channel carries a `Status` (v4, v5): Success, or Failure with reason
 * NonZeroExitCode, message "command terminated with exit code N" and the code as an ExitCode cause;
 * older protocols carry the error text only. Resize carries JSON `{"Width":w,"Height":h}` objects.
 */
export interface CommandChannels {
  /** Bytes the client sends to stdin, then its end. */
  onInput(data: (chunk: Buffer) => void, end: () => void): void;
  onResize(listener: (cols: number, rows: number) => void): void;
  /** The client went away before the command ended. */
  onGone(listener: () => void): void;
  /** Sends output; `sent` is called once it is on its way (the connection took it). */
  write(stream: "stdout" | "stderr", data: Buffer, sent: () => void): void;
  /** Reports the outcome on the error channel and closes the connection. */
  finish(exitCode: number | Error): void;
}

/** The Status the error channel carries at the end (upstream's remotecommand.errorDecoderV4 reads it). */
export function exitStatus(outcome: number | Error): Record<string, unknown> {
  if (outcome === 0) return { metadata: {}, status: "Success" };
  if (outcome instanceof Error) return { metadata: {}, status: "Failure", message: outcome.message, reason: "InternalError", details: { causes: [{ message: outcome.message }] }, code: 500 };
  return {
    metadata: {}, status: "Failure", message: `command terminated with exit code ${outcome}`, reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(outcome) }] },
  };
}

/** How much of a command's output may wait for its client before the command is paused. */
const OUTPUT_HIGH_WATER = 1 << 20;

/** Connects a running command to its client's channels until it exits or the client goes away. */
export async function runCommand(channels: CommandChannels, proc: ExecProcess): Promise<void> {
  let gone = false;
  // Output waiting for a slow client is bounded: reading from the command pauses above the mark.
  let outstanding = 0;
  proc.onOutput((stream, data) => {
    outstanding += data.length;
    if (outstanding > OUTPUT_HIGH_WATER) proc.pauseOutput();
    channels.write(stream, data, () => {
      outstanding -= data.length;
      if (outstanding <= OUTPUT_HIGH_WATER / 2) proc.resumeOutput();
    });
  });
  channels.onInput((d) => proc.write(d), () => proc.endInput());
  channels.onResize((cols, rows) => proc.resize(cols, rows));
  channels.onGone(() => {
    gone = true;
    proc.kill();
  });
  // A command the runtime could not run (no such executable) is the client's error, never the agent's crash.
  const outcome = await proc.exited.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  if (!gone) channels.finish(outcome);
}

/** Splits a resize stream into its JSON objects (json.Encoder writes one per line). */
export function resizeParser(listener: (cols: number, rows: number) => void): (chunk: Buffer) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk.toString("utf8");
    if (pending.length > 64 * 1024) pending = "";
    let end: number;
    while ((end = pending.indexOf("}")) >= 0) {
      const text = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      try {
        const size = JSON.parse(text.slice(text.indexOf("{"))) as { Width?: unknown; Height?: unknown };
        if (typeof size.Width === "number" && typeof size.Height === "number") listener(size.Width, size.Height);
      } catch { /* a malformed size is ignored, as upstream logs and goes on */ }
    }
  };
}

const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4, CLOSE = 255;

/** The WebSocket channel protocols served, in the server's preference. */
export const WEBSOCKET_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "channel.k8s.io", "base64.channel.k8s.io"];

/** Remote command channels over an accepted WebSocket whose subprotocol is one of WEBSOCKET_PROTOCOLS (or none). */
export function websocketChannels(ws: WebSocket, opts: { stdout: boolean; stderr: boolean }): CommandChannels {
  const protocol = ws.protocol;
  const base64 = protocol.includes("base64");
  const structured = protocol.startsWith("v4.") || protocol.startsWith("v5.");
  const send = (channel: number, data: Buffer, sent?: () => void) => {
    if (ws.readyState !== WebSocket.OPEN) return sent?.();
    if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString("base64"), () => sent?.());
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), () => sent?.());
  };
  send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, Buffer.alloc(0));
  let input: ((d: Buffer) => void) | undefined, inputEnd: (() => void) | undefined;
  let resize: ((d: Buffer) => void) | undefined;
  let ended = false;
  ws.on("message", (raw: RawData, isBinary: boolean) => {
    let msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (msg.length === 0) return;
    let channel = msg[0]!;
    if (base64 && !isBinary) {
      channel -= 48;
      msg = Buffer.concat([Buffer.from([channel]), Buffer.from(msg.subarray(1).toString("latin1"), "base64")]);
    }
    const body = msg.subarray(1);
    if (channel === STDIN && !ended) input?.(body);
    else if (channel === RESIZE) resize?.(body);
    else if (channel === CLOSE && protocol.startsWith("v5.") && body[0] === STDIN && !ended) {
      ended = true;
      inputEnd?.();
    }
  });
  const done = { finished: false };
  return {
    onInput: (data, end) => void ((input = data), (inputEnd = end)),
    onResize: (l) => void (resize = resizeParser(l)),
    onGone: (l) => void ws.once("close", () => {
      if (!done.finished) l();
    }),
    write: (stream, data, sent) => send(stream === "stdout" ? STDOUT : STDERR, data, sent),
    finish: (outcome) => {
      done.finished = true;
      if (structured) send(ERROR, Buffer.from(JSON.stringify(exitStatus(outcome))));
      else if (outcome !== 0) send(ERROR, Buffer.from(outcome instanceof Error ? outcome.message : `command terminated with non-zero exit code: exit status ${outcome}`));
      ws.close(1000);
    },
  };
}

/**
 * Waits for the streams a SPDY remote command client opens (error, then stdin/stdout/stderr/resize as
 * asked), accepting each; rejects after `timeoutMs` as the kubelet's stream creation timeout does.
 */
export function spdyCommandStreams(session: SpdySession, want: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; resize: boolean }, timeoutMs: number): Promise<Map<string, SpdyStream>> {
  const expected = ["error", ...(want.stdin ? ["stdin"] : []), ...(want.stdout ? ["stdout"] : []), ...(want.stderr && !want.tty ? ["stderr"] : []), ...(want.tty && want.resize ? ["resize"] : [])];
  const streams = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for client to create streams`)), timeoutMs);
    const onStream = (stream: SpdyStream) => {
      const type = header(stream.headers, "streamtype");
      void stream.reply();
      stream.on("error", () => undefined);
      if (!expected.includes(type)) return void stream.reset();
      streams.set(type, stream);
      if (expected.every((t) => streams.has(t))) {
        clearTimeout(timer);
        session.off("stream", onStream);
        resolve(streams);
      }
    };
    session.on("stream", onStream);
    session.once("close", () => {
      clearTimeout(timer);
      reject(new Error("the client closed the connection"));
    });
  });
}

/** Remote command channels over the SPDY streams spdyCommandStreams gathered; `version` is the negotiated protocol. */
export function spdyChannels(session: SpdySession, socket: Duplex, streams: Map<string, SpdyStream>, version: string): CommandChannels {
  const finished = { done: false };
  const stdin = streams.get("stdin");
  return {
    onInput: (data, end) => {
      stdin?.on("data", data);
      stdin?.on("end", end);
    },
    onResize: (l) => void streams.get("resize")?.on("data", resizeParser(l)),
    onGone: (l) => void session.once("close", () => {
      if (!finished.done) l();
    }),
    write: (stream, data, sent) => {
      const s = streams.get(stream);
      if (!s || s.destroyed) return sent();
      s.write(data, () => sent());
    },
    finish: (outcome) => {
      finished.done = true;
      const error = streams.get("error")!;
      if (version === "v4.channel.k8s.io") error.write(JSON.stringify(exitStatus(outcome)));
      else if (outcome !== 0) error.write(outcome instanceof Error ? outcome.message : `command terminated with non-zero exit code: exit status ${outcome}`);
      for (const s of streams.values()) s.end();
      // The client closes the connection once it has read everything; this end follows shortly after.
      setTimeout(() => {
        session.close();
        socket.destroy();
      }, 5_000).unref();
    },
  };
}

export function header(headers: Record<string, string[]>, name: string): string {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key]![0] ?? "" : "";
}

/** The stream options of an exec or attach request's query (`stdin=true`, `tty=1` …). */
export function streamOptions(req: IncomingMessage): { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; command: string[] } {
  const q = new URL(req.url ?? "/", "https://kubelet").searchParams;
  const flag = (k: string) => ["true", "1"].includes((q.get(k) ?? "").toLowerCase());
  const tty = flag("tty");
  return { stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr") && !tty, tty, command: q.getAll("command") };
}
