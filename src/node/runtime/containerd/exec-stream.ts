import { WebSocket } from "ws";
import type { ExecProcess } from "../runtime.js";

/**
 * A command run through the CRI streaming server (the URL an Exec or Attach call returns): the
 * Kubernetes remote command protocol over a WebSocket, `v4.channel.k8s.io` — each binary message is one
 * channel byte (0 stdin, 1 stdout, 2 stderr, 3 the final status, 4 terminal resize) and its data; the
 * status is a metav1.Status whose NonZeroExitCode cause carries the exit code.
 *
 * v4 over WebSocket has no way to close stdin alone: without a tty, `endInput` can't reach the command
 * (with one, it types the terminal's end-of-file character, as the process runtime does).
 */

const PROTOCOL = "v4.channel.k8s.io";
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

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

/**
 * Opens the stream at `url` (once `url` resolves: the Exec call is in flight) and returns the command as
 * an ExecProcess; `exited` rejects with the runtime's words when the stream can't be had.
 */
export function streamedExec(url: Promise<string>, opts: { tty: boolean }): ExecProcess {
  const pending: Buffer[] = [];
  const listeners: Array<(stream: "stdout" | "stderr", data: Buffer) => void> = [];
  let ws: WebSocket | undefined;
  let killed = false;
  let status: Status | undefined;
  const send = (channel: number, data: Buffer) => {
    const frame = Buffer.concat([Buffer.from([channel]), data]);
    if (ws?.readyState === WebSocket.OPEN) ws.send(frame);
    else pending.push(frame);
  };
  const exited = url.then((u) => new Promise<number>((resolve, reject) => {
    if (killed) return reject(new Error("the exec stream was closed"));
    const socket = new WebSocket(u.replace(/^http/, "ws"), [PROTOCOL]);
    ws = socket;
    socket.on("open", () => {
      for (const frame of pending.splice(0)) socket.send(frame);
    });
    socket.on("message", (raw: Buffer, isBinary: boolean) => {
      const data = isBinary ? raw : Buffer.from(raw);
      // The server opens with an empty message on each channel it serves.
      if (data.length === 0) return;
      const channel = data[0];
      const body = data.subarray(1);
      if ((channel === STDOUT || channel === STDERR) && body.length > 0) {
        for (const l of listeners) l(channel === STDOUT ? "stdout" : "stderr", body);
      } else if (channel === ERROR && body.length > 0) {
        try {
          status = JSON.parse(body.toString("utf8")) as Status;
        } catch {
          status = { status: "Failure", message: body.toString("utf8") };
        }
      }
    });
    socket.on("error", (err) => reject(new Error(`exec stream: ${err.message}`)));
    socket.on("close", () => {
      if (!status) return reject(new Error(killed ? "the exec stream was closed" : "the exec stream ended without the command's status"));
      try {
        resolve(exitCodeOf(status));
      } catch (err) {
        reject(err as Error);
      }
    });
  }));
  // A caller that only kills must not see an unhandled rejection.
  exited.catch(() => undefined);
  return {
    write: (data) => send(STDIN, data),
    endInput: () => {
      if (opts.tty) send(STDIN, Buffer.from([4]));
    },
    onOutput: (listener) => listeners.push(listener),
    resize: (cols, rows) => send(RESIZE, Buffer.from(JSON.stringify({ Width: cols, Height: rows }))),
    pauseOutput: () => ws?.pause(),
    resumeOutput: () => ws?.resume(),
    exited,
    kill: () => {
      killed = true;
      ws?.terminate();
    },
  };
}
