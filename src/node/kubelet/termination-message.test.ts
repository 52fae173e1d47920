import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { Container } from "kubernetes-types/core/v1.js";
import type { ContainerStatus } from "../runtime/runtime.js";
import { lastLogText, MAX_LOG_BYTES, MAX_MESSAGE_BYTES, terminationMessage, terminationMessageMount, TerminationMessages } from "./termination-message.js";

const dir = () => mkdtempSync(join(tmpdir(), "tug-tm-"));
const image = { ref: "busybox", id: "sha256:1", size: 0, entrypoint: [], cmd: [], env: {} };

/** A CRI log with one stdout entry a line. */
function criLog(path: string, lines: string[]): string {
  writeFileSync(path, lines.map((l) => `2026-01-01T00:00:00Z stdout F ${l}\n`).join(""));
  return path;
}

function exitedStatus(over: Partial<ContainerStatus> = {}): ContainerStatus {
  return { id: "c1", sandboxId: "s", name: "c", attempt: 0, image, state: "exited", createdAt: 0, exitCode: 1, reason: "Error", logPath: "/nonexistent", ...over };
}

describe("terminationMessageMount", () => {
  test("creates an empty world-writable file per instance, mounted at terminationMessagePath", () => {
    const d = dir();
    const c: Container = { name: "c", terminationMessagePath: "/dev/termination-log" };
    const a = terminationMessageMount(join(d, "containers", "c"), c)!;
    const b = terminationMessageMount(join(d, "containers", "c"), c)!;
    assert.equal(a.containerPath, "/dev/termination-log");
    assert.equal(a.readOnly, false);
    assert.notEqual(a.hostPath, b.hostPath, "each instance has a file of its own");
    const st = statSync(a.hostPath);
    assert.deepEqual([st.size, st.mode & 0o777], [0, 0o666]);
  });

  test("gives no mount when the container has no terminationMessagePath", () => {
    assert.equal(terminationMessageMount(dir(), { name: "c" }), undefined);
  });
});

describe("terminationMessage", () => {
  const file = (text: string) => {
    const p = join(dir(), "msg");
    writeFileSync(p, text);
    return p;
  };
  const cases: Array<{ name: string; policy?: string; status: Partial<ContainerStatus>; file: string; log?: string[]; want: string }> = [
    { name: "the file's text", status: { exitCode: 0, reason: "Completed" }, file: "OK", want: "OK" },
    { name: "the file wins over the log under FallbackToLogsOnError", policy: "FallbackToLogsOnError", status: {}, file: "from file", log: ["from log"], want: "from file" },
    { name: "the log's end when a failed container left the file empty (FallbackToLogsOnError)", policy: "FallbackToLogsOnError", status: {}, file: "", log: ["one", "DONE"], want: "one\nDONE\n" },
    { name: "no fallback when the container succeeded", policy: "FallbackToLogsOnError", status: { exitCode: 0, reason: "Completed" }, file: "", log: ["OK"], want: "" },
    { name: "no fallback under the default policy File", status: {}, file: "", log: ["x"], want: "" },
    { name: "no fallback for a container that could not start", policy: "FallbackToLogsOnError", status: { exitCode: 128, reason: "StartError", message: "exec failed" }, file: "", log: ["exec failed"], want: "exec failed" },
    { name: "the runtime's message first, then the file's", status: { message: "OOMKilled" }, file: "bye", want: "OOMKilled: bye" },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      const logPath = tc.log ? criLog(join(dir(), "0.log"), tc.log) : "/nonexistent";
      const c: Container = { name: "c", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: tc.policy ?? "File" };
      assert.equal(terminationMessage(exitedStatus({ ...tc.status, logPath }), c, file(tc.file)), tc.want);
    });
  }

  test("reads at most the file's last 4096 bytes", () => {
    const text = "a".repeat(1000) + "b".repeat(MAX_MESSAGE_BYTES);
    assert.equal(terminationMessage(exitedStatus(), { name: "c" }, file(text)), "b".repeat(MAX_MESSAGE_BYTES));
  });
});

describe("lastLogText", () => {
  test("keeps the last 80 lines", () => {
    const lines = Array.from({ length: 100 }, (_, i) => `l${i}`);
    const got = lastLogText(criLog(join(dir(), "0.log"), lines));
    assert.equal(got, lines.slice(20).map((l) => `${l}\n`).join(""));
  });

  test("keeps the last 2048 bytes of them", () => {
    const lines = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(500));
    const got = lastLogText(criLog(join(dir(), "0.log"), lines));
    assert.equal(got.length, MAX_LOG_BYTES);
    assert.ok(got.endsWith(`${"9".repeat(500)}\n`));
  });

  test("reads only the end of a long log", () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    assert.ok(lastLogText(criLog(join(dir(), "0.log"), lines)).endsWith("line 19999\n"));
  });
});

describe("TerminationMessages", () => {
  test("adds an exited instance's message to its status, read once", () => {
    const p = join(dir(), "msg");
    writeFileSync(p, "first");
    const messages = new TerminationMessages();
    messages.track("c1", { name: "c" }, { hostPath: p, containerPath: "/dev/termination-log", readOnly: false });
    const running = { ...exitedStatus(), state: "running" as const };
    assert.equal(messages.withMessage(running), running, "a running instance has no message yet");
    assert.equal(messages.withMessage(exitedStatus())?.message, "first");
    writeFileSync(p, "changed");
    assert.equal(messages.withMessage(exitedStatus())?.message, "first");
    assert.equal(messages.withMessage(exitedStatus({ id: "other" }))?.message, undefined, "an instance it does not track");
  });
});
