import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImagePullError, type ContainerConfig, type ContainerStatus, type Image, type SandboxConfig } from "../runtime.js";
import { parseCriLog } from "../logs.js";
import { ContainerdRuntime } from "./containerd-runtime.js";
import { ContainerdDaemon } from "./daemon.js";
import { busyboxImage, containerdSkipReason } from "./testing.js";

const skip = containerdSkipReason();

/** Resolves once `check` holds, polling; rejects after `ms`. */
async function until<T>(check: () => T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

describe("ContainerdRuntime", { skip }, () => {
  let dir: string;
  let daemon: ContainerdDaemon;
  let runtime: ContainerdRuntime;
  let image: Image;
  const exits: ContainerStatus[] = [];
  const bridge = `tugt${createHash("sha1").update(String(process.pid)).digest("hex").slice(0, 8)}`;
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "containerd-runtime-"));
    daemon = await ContainerdDaemon.start({ dir: join(dir, "containerd"), podCIDR: "10.250.7.0/24", bridge, cniBinDir: "/usr/lib/cni" });
    await daemon.importImage((await busyboxImage("tugboat.local/test:1", join(dir, "images"), { cmd: ["/bin/sh", "-c", "echo image-cmd"] })).archive);
    runtime = new ContainerdRuntime({ client: daemon.client, version: daemon.version, nodeName: "node-a", hostIP: "127.0.0.1", relistMs: 100, log: () => undefined });
    runtime.onContainerExit((s) => exits.push(s));
    await runtime.start();
    image = runtime.imageStatus("tugboat.local/test:1")!;
  });
  after(async () => {
    await runtime?.close(0);
    await daemon?.stop();
    try {
      execFileSync("ip", ["link", "delete", bridge], { stdio: "ignore" });
    } catch {
      // never made
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function sandbox(extra: Partial<SandboxConfig> = {}) {
    n++;
    return runtime.runPodSandbox({ uid: `uid-${n}`, namespace: "default", name: `pod-${n}`, hostname: `pod-${n}`, hostNetwork: false, logDirectory: join(dir, "logs", `pod-${n}`), ...extra });
  }

  function config(sandboxDir: string, name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
    return { name, attempt: 0, image, argv, env: { GREETING: "hi" }, mounts: [], logPath: join(sandboxDir, name, "0.log"), ...extra };
  }

  it("start learns the images present, with their OCI config", () => {
    assert.ok(image, "imported image known");
    assert.deepEqual(image.cmd, ["/bin/sh", "-c", "echo image-cmd"]);
    assert.match(image.id, /^sha256:/);
    assert.ok(image.size > 1_000_000);
    assert.equal(runtime.imageStatus("docker.io/library/nothere:1"), undefined);
    assert.match(runtime.version, /^containerd:\/\//);
  });

  it("runPodSandbox gives the pod an IP on the bridge that a container serves HTTP on", async () => {
    const sb = await sandbox();
    assert.match(sb.ip, /^10\.250\.7\.\d+$/);
    const id = await runtime.createContainer(sb.id, config(sb.config.logDirectory!, "web", ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]));
    await runtime.startContainer(id);
    assert.equal(runtime.containerStatus(id)?.state, "running");
    let body: string | undefined;
    await until(() => {
      void httpGet(`http://${sb.ip}:8080/`).then((b) => (body = b), () => undefined);
      return body;
    });
    assert.equal(body, "hello from tugboat\n");
    await runtime.stopPodSandbox(sb.id);
    assert.equal(runtime.containerStatus(id)?.state, "exited");
  });

  it("a container's output is in its CRI log and its exit reaches the listeners with code and reason", async () => {
    const sb = await sandbox();
    const c = config(sb.config.logDirectory!, "job", ["/bin/sh", "-c", "echo out $GREETING; echo err >&2; exit 3"]);
    const id = await runtime.createContainer(sb.id, c);
    await runtime.startContainer(id);
    const exit = await until(() => exits.find((e) => e.id === id));
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.reason, "Error");
    assert.equal(exit.name, "job");
    const entries = parseCriLog(readFileSync(c.logPath, "utf8"));
    assert.deepEqual(entries.map((e) => `${e.stream} ${e.text}`).sort(), ["stderr err\n", "stdout out hi\n"]);
    await runtime.removePodSandbox(sb.id);
    assert.equal(runtime.containerStatus(id), undefined);
  });

  it("stopContainer sends SIGTERM and waits for the container's own exit within the grace period", async () => {
    const sb = await sandbox();
    const id = await runtime.createContainer(sb.id, config(sb.config.logDirectory!, "graceful", ["/bin/sh", "-c", "trap 'echo bye; exit 7' TERM; while true; do sleep 0.1; done"]));
    await runtime.startContainer(id);
    await runtime.stopContainer(id, 10);
    const s = runtime.containerStatus(id)!;
    assert.equal(s.state, "exited");
    assert.equal(s.exitCode, 7);
    await runtime.removePodSandbox(sb.id);
  });

  it("a command that can't start leaves the container exited with reason StartError", async () => {
    const sb = await sandbox();
    const id = await runtime.createContainer(sb.id, config(sb.config.logDirectory!, "bad", ["/no/such/binary"]));
    await runtime.startContainer(id);
    const s = runtime.containerStatus(id)!;
    assert.equal(s.state, "exited");
    assert.equal(s.reason, "StartError");
    assert.match(s.message ?? "", /no such file or directory/);
    await runtime.removePodSandbox(sb.id);
  });

  it("exec runs in the container and returns output and exit code", async () => {
    const sb = await sandbox();
    const id = await runtime.createContainer(sb.id, config(sb.config.logDirectory!, "shell", ["/bin/sleep", "3600"]));
    await runtime.startContainer(id);
    const r = await runtime.exec(id, ["/bin/sh", "-c", "echo $GREETING; hostname; exit 4"], 5000);
    assert.deepEqual(r, { exitCode: 4, output: `hi\n${sb.config.hostname}\n` });
    await runtime.removePodSandbox(sb.id);
  });

  it("streaming.exec runs a command through the CRI streaming server with its output and exit code", async () => {
    const sb = await sandbox();
    const id = await runtime.createContainer(sb.id, config(sb.config.logDirectory!, "streamed", ["/bin/sleep", "3600"]));
    await runtime.startContainer(id);
    const proc = runtime.streaming.exec(id, ["/bin/sh", "-c", "echo out; echo err >&2; exit 5"], { tty: false, stdin: false });
    const out: string[] = [];
    proc.onOutput((stream, data) => out.push(`${stream}:${data.toString()}`));
    assert.equal(await proc.exited, 5);
    assert.deepEqual(out.sort(), ["stderr:err\n", "stdout:out\n"]);
    const tty = runtime.streaming.exec(id, ["/bin/sh"], { tty: true, stdin: true });
    let screen = "";
    tty.onOutput((_s, data) => (screen += data.toString()));
    tty.write(Buffer.from("echo $((40+2))\nexit 3\n"));
    assert.equal(await tty.exited, 3);
    assert.match(screen, /42/);
    await runtime.removePodSandbox(sb.id);
  });

  it("a container over its memory limit is OOMKilled", async () => {
    const sb = await sandbox();
    const id = await runtime.createContainer(sb.id, config(sb.config.logDirectory!, "hog", ["/bin/sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"], {
      resources: { cpuShares: 2, memoryLimitBytes: 16 * 1024 * 1024 },
    }));
    await runtime.startContainer(id);
    const exit = await until(() => exits.find((e) => e.id === id), 30_000);
    assert.equal(exit.reason, "OOMKilled");
    assert.equal(exit.exitCode, 137);
    await runtime.removePodSandbox(sb.id);
  });

  it("pullImage of a reference no registry has throws ImagePullError with the runtime's message", async () => {
    await assert.rejects(runtime.pullImage("127.0.0.1:1/nothere:1"), (err: Error) =>
      err instanceof ImagePullError && err.message.startsWith("rpc error: code = ") && err.message.includes("127.0.0.1:1/nothere:1"));
  });
});

describe("ContainerdRuntime.start after a node agent restart", { skip }, () => {
  let dir: string;
  const bridge = `tuga${createHash("sha1").update(String(process.pid)).digest("hex").slice(0, 8)}`;

  const open = async (daemon: ContainerdDaemon, keepDaemon = false) => {
    const r = new ContainerdRuntime({
      client: daemon.client, version: daemon.version, nodeName: "node-a", hostIP: "127.0.0.1", relistMs: 100, log: () => undefined,
      onClose: keepDaemon ? undefined : (keep) => daemon.stop(10_000, keep),
    });
    return { runtime: r, started: await r.start() };
  };
  const startDaemon = () => ContainerdDaemon.start({ dir: join(dir, "containerd"), podCIDR: "10.250.8.0/24", bridge, cniBinDir: "/usr/lib/cni" });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "containerd-adopt-"));
  });
  after(async () => {
    // Whatever the test left (it may have failed between runs), adopted once more and removed.
    await (await open(await startDaemon())).runtime.close(0);
    try {
      execFileSync("ip", ["link", "delete", bridge], { stdio: "ignore" });
    } catch {
      // never made
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("adopts the running sandbox and containers of a previous run, through a containerd left running or stopped, and removes stopped sandboxes", async () => {
    const first = await startDaemon();
    await first.importImage((await busyboxImage("tugboat.local/test:1", join(dir, "images"))).archive);
    const before = (await open(first, true)).runtime;
    const image = { ...before.imageStatus("tugboat.local/test:1")!, ref: "test:1" };
    const logs = join(dir, "logs", "web");
    const sb = await before.runPodSandbox({ uid: "uid-web", namespace: "default", name: "web", hostname: "web", hostNetwork: false, logDirectory: logs });
    const exited = await before.createContainer(sb.id, { name: "web", attempt: 2, image, argv: ["/bin/true"], env: {}, mounts: [], logPath: join(logs, "web", "2.log") });
    await before.startContainer(exited);
    await until(() => before.containerStatus(exited)?.state === "exited");
    const id = await before.createContainer(sb.id, { name: "web", attempt: 3, image, argv: ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"], env: {}, mounts: [], logPath: join(logs, "web", "3.log") });
    await before.startContainer(id);
    const running = before.containerStatus(id)!;
    const done = await before.runPodSandbox({ uid: "uid-done", namespace: "default", name: "done", hostname: "done", hostNetwork: false, logDirectory: join(dir, "logs", "done") });
    await before.stopPodSandbox(done.id);

    // The agent was killed: its containerd still runs, and the next one on the same directory replaces it.
    await before.detach();
    let { runtime: r, started } = await open(await startDaemon());
    assert.deepEqual(started, { adopted: 1, removed: 1 });
    const check = async (r: ContainerdRuntime) => {
      assert.deepEqual(r.listPodSandboxes().map((s) => [s.id, s.ip, s.config]), [[sb.id, sb.ip, sb.config]]);
      const s = r.containerStatus(id)!;
      assert.deepEqual([s.state, s.startedAt, s.attempt, s.name, s.sandboxId, s.image.ref, s.image.id, s.logPath], ["running", running.startedAt, 3, "web", sb.id, "test:1", image.id, join(logs, "web", "3.log")]);
      assert.deepEqual([r.containerStatus(exited)?.state, r.containerStatus(exited)?.exitCode, r.containerStatus(exited)?.attempt], ["exited", 0, 2]);
      assert.equal(await httpGet(`http://${sb.ip}:8080/`), "hello from tugboat\n");
    };
    await check(r);
    // Stopped with the containers kept: containerd stops, the shims don't; the next containerd finds them.
    await r.detach();
    ({ runtime: r, started } = await open(await startDaemon()));
    assert.deepEqual(started, { adopted: 1, removed: 0 });
    await check(r);
    // An adopted container is the runtime's as any other: its exit reaches the listeners.
    const exits: string[] = [];
    r.onContainerExit((s) => exits.push(s.id));
    await r.stopContainer(id, 1);
    assert.deepEqual(exits, [id]);
    // The adopted sandbox's CRI config serves a new container as the original did.
    const next = await r.createContainer(sb.id, { name: "web", attempt: 4, image, argv: ["/bin/sh", "-c", "echo again"], env: {}, mounts: [], logPath: join(logs, "web", "4.log") });
    await r.startContainer(next);
    await until(() => r.containerStatus(next)?.state === "exited");
    assert.match(readFileSync(join(logs, "web", "4.log"), "utf8"), /stdout F again/);
    await r.detach();
  });
});
