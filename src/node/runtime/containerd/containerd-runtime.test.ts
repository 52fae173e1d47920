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
