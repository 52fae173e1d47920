import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import { ForwardError, type ContainerConfig, type ExecProcess, type Image } from "../runtime.js";
import { ContainerdRuntime } from "./containerd-runtime.js";
import { ContainerdDaemon } from "./daemon.js";
import { busyboxImage, containerdSkipReason } from "./testing.js";

const skip = containerdSkipReason();

function collect(proc: ExecProcess): () => string {
  let out = "";
  proc.onOutput((_s, d) => (out += d.toString()));
  return () => out;
}

/** Sends `request` on the connection and resolves with all it answers until the server closes it, or with the connection's error. */
function exchange(conn: Duplex, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    conn.on("data", (d: Buffer) => (body += d.toString()));
    conn.once("end", () => resolve(body));
    conn.once("error", reject);
    conn.write(request);
  });
}

describe("ContainerdRuntime.streaming (the CRI streaming server over SPDY)", { skip, timeout: 120_000 }, () => {
  let dir: string;
  let daemon: ContainerdDaemon;
  let runtime: ContainerdRuntime;
  let image: Image;
  const bridge = `tugs${createHash("sha1").update(String(process.pid)).digest("hex").slice(0, 8)}`;
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "containerd-streams-"));
    daemon = await ContainerdDaemon.start({ dir: join(dir, "containerd"), podCIDR: "10.250.9.0/24", bridge, cniBinDir: "/usr/lib/cni" });
    await daemon.importImage((await busyboxImage("tugboat.local/streams:1", join(dir, "images"))).archive);
    runtime = new ContainerdRuntime({ client: daemon.client, version: daemon.version, nodeName: "node-s", hostIP: "127.0.0.1", relistMs: 100, log: () => undefined });
    await runtime.start();
    image = runtime.imageStatus("tugboat.local/streams:1")!;
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

  /** A sandbox with one running container. */
  async function running(argv: string[], extra: Partial<ContainerConfig> = {}) {
    n++;
    const sb = await runtime.runPodSandbox({ uid: `uid-${n}`, namespace: "default", name: `pod-${n}`, hostname: `pod-${n}`, hostNetwork: false, logDirectory: join(dir, "logs", `pod-${n}`) });
    const id = await runtime.createContainer(sb.id, { name: "c", attempt: 0, image, argv, env: {}, mounts: [], logPath: join(dir, "logs", `pod-${n}`, "c", "0.log"), ...extra });
    await runtime.startContainer(id);
    return { sandboxId: sb.id, id };
  }

  it("exec: endInput closes the command's stdin (cat sees its end and exits 0)", async () => {
    const { sandboxId, id } = await running(["/bin/sleep", "3600"]);
    const cat = runtime.streaming.exec(id, ["/bin/cat"], { tty: false, stdin: true });
    const out = collect(cat);
    cat.write(Buffer.from("one\n"));
    cat.write(Buffer.from("two\n"));
    cat.endInput();
    assert.equal(await cat.exited, 0);
    assert.equal(out(), "one\ntwo\n");
    const missing = runtime.streaming.exec(id, ["/no/such/command"], { tty: false, stdin: false });
    await assert.rejects(missing.exited, /no such file or directory/);
    await runtime.removePodSandbox(sandboxId);
  });

  it("attach: input reaches a stdinOnce container, its output comes back, and the end of input is its EOF", async () => {
    const { sandboxId, id } = await running(["/bin/sh", "-c", "while read l; do echo got $l; done; echo eof"], { stdin: true, stdinOnce: true });
    const attach = runtime.streaming.attach!(id, { stdin: true, stdout: true, stderr: true, tty: false });
    const out = collect(attach);
    // containerd attaches stdin and output concurrently: a line read before the output is attached is
    // answered only in the log. Knock until an answer comes back through the attachment.
    for (let i = 0; i < 300 && !out().includes("got knock"); i++) {
      attach.write(Buffer.from("knock\n"));
      await new Promise((r) => setTimeout(r, 100));
    }
    attach.write(Buffer.from("a\n"));
    attach.endInput();
    assert.equal(await attach.exited, 0);
    assert.match(out(), /got knock\n(got knock\n)*got a\neof\n$/);
    await runtime.removePodSandbox(sandboxId);
  });

  it("portForward dials inside the pod's network namespace (a server on its 127.0.0.1 only); a closed port is a ForwardError", async () => {
    const { sandboxId } = await running(["/bin/httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www"]);
    // httpd listens a moment after its container started: the first requests may find the port closed.
    let answer = "";
    for (let i = 0; i < 50 && !answer.includes("hello from tugboat"); i++) {
      answer = await exchange(await runtime.streaming.portForward(sandboxId, 8080), "GET / HTTP/1.0\r\n\r\n").catch(() => "");
    }
    assert.match(answer, /^HTTP\/1\.[01] 200 OK[\s\S]*hello from tugboat\n$/);
    await assert.rejects(exchange(await runtime.streaming.portForward(sandboxId, 9), "x"), (err: Error) =>
      err instanceof ForwardError && /127\.0\.0\.1:9: connect: connection refused/.test(err.message));
    await runtime.removePodSandbox(sandboxId);
  });
});
