import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCriLog } from "./logs.js";
import { ImagePullError, type ContainerStatus, type Runtime } from "./runtime.js";

/**
 * The behaviour every Runtime owes the node agent, as node:test cases. `make` returns a fresh runtime
 * and a way to dispose of it; `shell` is an image whose containers run `sh`.
 */
export function runtimeConformance(make: () => Promise<Runtime>, shell = "busybox"): void {
  const logDir = mkdtempSync(join(tmpdir(), "tug-runtime-"));
  let n = 0;
  async function withSandbox(fn: (rt: Runtime, sandboxId: string) => Promise<void>): Promise<void> {
    const rt = await make();
    try {
      const sb = await rt.runPodSandbox({ uid: `uid-${++n}`, namespace: "default", name: `pod-${n}`, hostname: `pod-${n}`, hostNetwork: false });
      await fn(rt, sb.id);
    } finally {
      await rt.close(0);
    }
  }
  async function run(rt: Runtime, sandboxId: string, script: string, env: Record<string, string> = {}, workingDir?: string): Promise<string> {
    const image = await rt.pullImage(shell);
    const id = await rt.createContainer(sandboxId, {
      name: "c", attempt: 0, image, argv: ["sh", "-c", script], env, workingDir, mounts: [], logPath: join(logDir, `${++n}.log`),
    });
    await rt.startContainer(id);
    return id;
  }
  function exited(rt: Runtime, id: string): Promise<ContainerStatus> {
    return new Promise((resolve) => {
      const now = rt.containerStatus(id);
      if (now?.state === "exited") return resolve(now);
      rt.onContainerExit((s) => {
        if (s.id === id) resolve(s);
      });
    });
  }

  test("pullImage resolves known images and fails unknown ones with ImagePullError", async () => {
    const rt = await make();
    try {
      const image = await rt.pullImage(shell);
      assert.match(image.id, /^sha256:[0-9a-f]{64}$/);
      assert.equal(rt.imageStatus(shell)?.id, image.id);
      await assert.rejects(rt.pullImage("nosuch/image:1"), ImagePullError);
      assert.equal(rt.imageStatus("nosuch/image:1"), undefined);
    } finally {
      await rt.close(0);
    }
  });

  test("a container's exit code, reason and both streams reach its CRI log", () => withSandbox(async (rt, sb) => {
    const id = await run(rt, sb, "echo out; echo err >&2; exit 3");
    const s = await exited(rt, id);
    assert.deepEqual([s.state, s.exitCode, s.reason], ["exited", 3, "Error"]);
    await new Promise((r) => setTimeout(r, 100));
    const entries = parseCriLog(readFileSync(s.logPath, "utf8"));
    assert.deepEqual(entries.map((e) => [e.stream, e.text]).sort(), [["stderr", "err\n"], ["stdout", "out\n"]]);
  }));

  test("an exit is reported once the container's last output is in its log (the kubelet reads its end for a termination message)", () => withSandbox(async (rt, sb) => {
    const id = await run(rt, sb, "echo first; printf DONE; exit 1");
    const s = await exited(rt, id);
    assert.deepEqual(parseCriLog(readFileSync(s.logPath, "utf8")).map((e) => e.text), ["first\n", "DONE"]);
  }));

  test("env and workingDir are the container's", () => withSandbox(async (rt, sb) => {
    const id = await run(rt, sb, `[ "$GREETING" = hello ] && [ "$(pwd)" = /tmp ]`, { GREETING: "hello" }, "/tmp");
    assert.deepEqual([(await exited(rt, id)).exitCode], [0]);
    assert.equal(rt.containerStatus(id)?.reason, "Completed");
  }));

  test("env names that are not shell identifiers (a ConfigMap key such as data-1) reach the container", () => withSandbox(async (rt, sb) => {
    const image = await rt.pullImage(shell);
    const id = await rt.createContainer(sb, { name: "c", attempt: 0, image, argv: ["env"], env: { "data-1": "one", "p.data.2": "two" }, mounts: [], logPath: join(logDir, `${++n}.log`) });
    await rt.startContainer(id);
    const s = await exited(rt, id);
    assert.equal(s.exitCode, 0);
    await new Promise((r) => setTimeout(r, 100));
    const lines = parseCriLog(readFileSync(s.logPath, "utf8")).map((e) => e.text.trim());
    assert.deepEqual(lines.filter((l) => l.includes("data")).sort(), ["data-1=one", "p.data.2=two"]);
  }));

  test("a command that does not exist leaves the container exited with StartError, exit code 128", () => withSandbox(async (rt, sb) => {
    const image = await rt.pullImage(shell);
    const id = await rt.createContainer(sb, { name: "c", attempt: 0, image, argv: ["no-such-command"], env: {}, mounts: [], logPath: join(logDir, "start-error.log") });
    await rt.startContainer(id);
    const s = rt.containerStatus(id)!;
    assert.deepEqual([s.state, s.exitCode, s.reason], ["exited", 128, "StartError"]);
    assert.match(s.message ?? "", /exec: "no-such-command": executable file not found in \$PATH/);
  }));

  test("stopContainer: SIGTERM ends a cooperative process at once (143)", () => withSandbox(async (rt, sb) => {
    const id = await run(rt, sb, "sleep 30");
    const began = Date.now();
    await rt.stopContainer(id, 10);
    assert.ok(Date.now() - began < 5000);
    assert.equal(rt.containerStatus(id)?.exitCode, 143);
  }));

  test("stopContainer: a process ignoring SIGTERM is killed when the timeout ends (137)", () => withSandbox(async (rt, sb) => {
    const id = await run(rt, sb, "trap '' TERM; while true; do sleep 0.1; done");
    await new Promise((r) => setTimeout(r, 200));
    const began = Date.now();
    await rt.stopContainer(id, 1);
    const took = Date.now() - began;
    assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
    assert.equal(rt.containerStatus(id)?.exitCode, 137);
  }));

  test("exec runs a command beside the container and returns its exit code and output", () => withSandbox(async (rt, sb) => {
    const id = await run(rt, sb, "sleep 30");
    assert.deepEqual(await rt.exec(id, ["sh", "-c", "echo hi; exit 4"], 5000), { exitCode: 4, output: "hi\n" });
    const slow = await rt.exec(id, ["sleep", "5"], 300);
    assert.notEqual(slow.exitCode, 0);
  }));

  test("removePodSandbox stops and removes the pod's containers", () => withSandbox(async (rt, sb) => {
    await run(rt, sb, "sleep 30");
    await run(rt, sb, "sleep 30");
    assert.equal(rt.listContainers(sb).length, 2);
    await rt.removePodSandbox(sb);
    assert.equal(rt.listContainers(sb).length, 0);
    assert.equal(rt.listPodSandboxes().length, 0);
  }));
}
