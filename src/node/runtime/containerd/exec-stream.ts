import type { ExecProcess } from "../runtime.js";
import type { SpdyStream } from "../../../api/spdy/session.js";
import { dialStreamingServer, type StreamingConnection } from "./spdy-dial.js";

/**
 * A command run, or a container attached to, through the CRI streaming server (the URL an Exec or Attach
 * call returns): the Kubernetes remote command protocol `v4.channel.k8s.io` over SPDY/3.1, as client-go
 * speaks it — one stream per channel named by its `streamType` header (error first, then stdin, stdout,
 * stderr, or resize with a tty); the error stream ends with a metav1.Status whose NonZeroExitCode cause
 * carries the exit code.
 *
 * The end of stdin is the stdin stream's half-close (SPDY FIN). containerd 1.6's WebSocket side speaks
 * v4.channel.k8s.io at most, which has no way to close stdin alone (v5's CLOSE message on channel 255 came
 * later), so `cat` with piped input never saw its end there: SPDY is the only transport that can say it.
 */

export const REMOTE_COMMAND_PROTOCOL = "v4.channel.k8s.io";

interface Status {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** The exit code a v4 status says: 0 on Success, the ExitCode cause on NonZeroExitCode; otherwise throws its message. */
export function exitCodeOf(status: Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (status.reason === "NonZeroExitCode" && cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  throw new Error(status.message || "the command failed");
}

/** What the error stream said at the end: nothing (as client-go reads it: success), a Status, or plain words. */
export function exitCodeOfErrorStream(text: string): number {
  if (text.trim() === "") return 0;
  let status: Status;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    throw new Error(text.trim());
  }
  return exitCodeOf(status);
}

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Bounds what the error stream may hold (a Status is a few hundred bytes). */
const MAX_ERROR_TEXT = 64 * 1024;

/**
 * Opens the stream at `url` (once `url` resolves: the Exec or Attach call is in flight) and returns the
 * command as an ExecProcess: `exited` resolves once the server has closed the connection, or rejects with
 * the runtime's words when the stream can't be had.
 */
export function streamedExec(url: Promise<string>, opts: RemoteCommandOptions): ExecProcess {
  const listeners: Array<(stream: "stdout" | "stderr", data: Buffer) => void> = [];
  // Input and resizes given before the streams are open wait for them.
  const pending: Array<(s: Map<string, SpdyStream>) => void> = [];
  let streams: Map<string, SpdyStream> | undefined;
  let conn: StreamingConnection | undefined;
  let killed = false;
  const toStreams = (action: (s: Map<string, SpdyStream>) => void) => (streams ? action(streams) : pending.push(action));

  const exited = url.then((u) => {
    if (killed) throw new Error("the exec stream was closed");
    return dialStreamingServer(u, REMOTE_COMMAND_PROTOCOL);
  }).then(async (c) => {
    conn = c;
    if (killed) {
      c.socket.destroy();
      throw new Error("the exec stream was closed");
    }
    const closed = new Promise<Error | undefined>((resolve) => c.session.once("close", resolve));
    const types = ["error", ...(opts.stdin ? ["stdin"] : []), ...(opts.stdout ? ["stdout"] : []), ...(opts.stderr && !opts.tty ? ["stderr"] : []), ...(opts.tty ? ["resize"] : [])];
    const opened = new Map<string, SpdyStream>();
    // In client-go's order: the server matches them by type, and starts once all it expects are open.
    for (const type of types) opened.set(type, await c.session.open({ streamtype: [type] }));
    let errorText = "";
    for (const [type, s] of opened) {
      s.on("error", () => undefined);
      if (type === "stdout" || type === "stderr") s.on("data", (d: Buffer) => listeners.forEach((l) => l(type, d)));
      if (type === "error") s.on("data", (d: Buffer) => {
        if (errorText.length < MAX_ERROR_TEXT) errorText += d.toString("utf8");
      });
    }
    // This side writes nothing on the error stream.
    opened.get("error")!.end();
    streams = opened;
    for (const action of pending.splice(0)) action(opened);
    const err = await closed;
    if (killed) throw new Error("the exec stream was closed");
    if (err && errorText === "") throw new Error(`exec stream: ${err.message}`);
    return exitCodeOfErrorStream(errorText);
  });
  // A caller that only kills must not see an unhandled rejection.
  exited.catch(() => undefined);
  return {
    write: (data) => toStreams((s) => void s.get("stdin")?.write(data)),
    endInput: () => toStreams((s) => void s.get("stdin")?.end()),
    onOutput: (listener) => listeners.push(listener),
    resize: (cols, rows) => toStreams((s) => void s.get("resize")?.write(JSON.stringify({ Width: cols, Height: rows }))),
    pauseOutput: () => conn?.socket.pause(),
    resumeOutput: () => conn?.socket.resume(),
    exited,
    kill: () => {
      killed = true;
      conn?.session.close();
      conn?.socket.destroy();
    },
  };
}
