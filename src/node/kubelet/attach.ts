import { statSync } from "node:fs";
import type { ContainerInput, ExecProcess } from "../runtime/runtime.js";
import { streamLog } from "../runtime/logs.js";

/**
 * Attach on the process runtime: the container's output from now on (its log as it is written), until
 * it exits or the client leaves; the client's stdin goes to the container's (a container started with
 * `stdin: true`), whose end closes it only for a `stdinOnce` container, as upstream. A `tty: true`
 * container has no terminal: its newlines are sent as a terminal's.
 */
export function attachProcess(logPath: string, opts: { fromStart: boolean; tty: boolean; input?: ContainerInput }, running: () => boolean): ExecProcess {
  const abort = new AbortController();
  const listeners: Array<(s: "stdout" | "stderr", d: Buffer) => void> = [];
  // Where the log ends now, taken before any input reaches the container: reading it asynchronously
  // later could skip an answer the container wrote in between.
  const fromByte = opts.fromStart ? 0 : logSize(logPath);
  const exited = streamLog(logPath, { follow: true, fromByte }, (t) => {
    // A terminal's line discipline (ONLCR) turns each newline into CR LF; the runtime gives no pty.
    const text = opts.tty ? t.replace(/\r?\n/g, "\r\n") : t;
    listeners.forEach((l) => l("stdout", Buffer.from(text)));
  }, running, abort.signal)
    .catch(() => undefined)
    .then(() => 0);
  let detached = false;
  const detach = () => {
    if (!detached) opts.input?.detach();
    detached = true;
  };
  void exited.then(detach);
  return {
    write: (data: Buffer) => opts.input?.write(data),
    endInput: detach,
    onOutput: (l) => void listeners.push(l),
    resize: () => undefined,
    pauseOutput: () => undefined,
    resumeOutput: () => undefined,
    exited,
    kill: () => {
      detach();
      abort.abort();
    },
  };
}

function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
