import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readSync, fstatSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Container } from "kubernetes-types/core/v1.js";
import { parseCriLog } from "../runtime/logs.js";
import type { ContainerStatus, Mount } from "../runtime/runtime.js";

/**
 * Termination messages as the kubelet gathers them (kuberuntime_container.go): every container instance
 * gets an empty, world-writable file of its own under the pod's directory, mounted at its
 * terminationMessagePath; once the instance has exited, the end of that file — or, under
 * FallbackToLogsOnError when it failed and wrote nothing there, the end of its log — becomes
 * `state.terminated.message`.
 */

/** Upstream's MaxContainerTerminationMessageLength: the last 4 KiB of the file. */
export const MAX_MESSAGE_BYTES = 4096;
/** Upstream's MaxContainerTerminationMessageLogLines and …LogLength: the log's last 80 lines, at most 2 KiB of them. */
export const MAX_LOG_LINES = 80;
export const MAX_LOG_BYTES = 2048;
/** How much of the log's end is read to find those lines: 80 CRI prefixes (≈45 bytes each) plus 2 KiB of text fit well within it. */
const LOG_WINDOW_BYTES = 64 * 1024;

/**
 * Creates the instance's termination-log file in `containerDir` (the pod's containers/<name>/) and returns
 * the Mount that shows it at the container's terminationMessagePath; none when the path is empty.
 */
export function terminationMessageMount(containerDir: string, c: Container): Mount | undefined {
  if (!c.terminationMessagePath) return undefined;
  mkdirSync(containerDir, { recursive: true });
  const hostPath = join(containerDir, randomBytes(4).toString("hex"));
  writeFileSync(hostPath, "");
  // Whatever the umask and whichever user the container runs as, it can write its message.
  chmodSync(hostPath, 0o666);
  return { hostPath, containerPath: c.terminationMessagePath, readOnly: false };
}

/** The last `max` bytes of a file (all of it when shorter); undefined when it does not exist. */
function readTail(path: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, size - length + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Upstream's readLastStringFromContainerLogs: the text of the log's last 80 lines, its last 2 KiB. */
export function lastLogText(logPath: string): string {
  const tail = readTail(logPath, LOG_WINDOW_BYTES);
  if (!tail) return "";
  let text = tail.toString("utf8");
  // A window that starts mid-file starts mid-entry: drop that partial first line.
  if (tail.length === LOG_WINDOW_BYTES) text = text.slice(text.indexOf("\n") + 1);
  const entries = parseCriLog(text).slice(-MAX_LOG_LINES);
  const out = Buffer.from(entries.map((e) => e.text).join(""));
  return out.subarray(Math.max(0, out.length - MAX_LOG_BYTES)).toString("utf8");
}

/**
 * The message of an exited instance: the runtime's own (why it could not start, say), then ": " and what
 * the container left in its termination-log file, or under FallbackToLogsOnError when it failed
 * with an empty file, the end of its log (a container that could not even start has no log to fall back to).
 */
export function terminationMessage(status: ContainerStatus, c: Container, messageFile: string | undefined): string {
  const fallback = c.terminationMessagePolicy === "FallbackToLogsOnError" && (status.exitCode ?? 0) !== 0 && status.reason !== "StartError";
  let text = messageFile ? readTail(messageFile, MAX_MESSAGE_BYTES)?.toString("utf8") ?? "" : "";
  if (text === "" && fallback) text = lastLogText(status.logPath);
  if (text === "") return status.message ?? "";
  return status.message ? `${status.message}: ${text}` : text;
}

/**
 * The termination messages of a pod's container instances: where each instance's file is, and once it
 * has exited its message, read once (the runtime reports an exit after the container's output is in its log).
 */
export class TerminationMessages {
  private readonly files = new Map<string, { container: Container; file?: string }>();
  private readonly messages = new Map<string, string>();

  /** Remembers which file the instance `id` of `c` writes its message to. */
  track(id: string, c: Container, mount: Mount | undefined): void {
    this.files.set(id, { container: c, file: mount?.hostPath });
  }

  /** The instance's status with its termination message, once it has exited. */
  withMessage(status: ContainerStatus | undefined): ContainerStatus | undefined {
    if (status?.state !== "exited") return status;
    const tracked = this.files.get(status.id);
    if (!tracked) return status;
    let message = this.messages.get(status.id);
    if (message === undefined) this.messages.set(status.id, (message = terminationMessage(status, tracked.container, tracked.file)));
    return message === (status.message ?? "") ? status : { ...status, message };
  }

  forget(id: string): void {
    this.files.delete(id);
    this.messages.delete(id);
  }
}
