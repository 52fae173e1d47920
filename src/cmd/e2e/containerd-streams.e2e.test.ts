import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { spawn as spawnPty } from "node-pty";
import { buildOciImage, STATIC_BUSYBOX } from "../../node/runtime/containerd/oci-image.js";
import { containerdSkipReason, registrySkipReason, startRegistry, type TestRegistry } from "../../node/runtime/containerd/testing.js";
import { Cluster, eventually, KUBECTL, kubectlAvailable } from "./harness.js";

/** A kubectl from before WebSocket exec (1.30): it speaks SPDY to the API server. */
const KUBECTL_SPDY = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";

const skip = containerdSkipReason() ?? registrySkipReason() ?? (kubectlAvailable() ? undefined : "no kubectl on PATH");

/** A busybox image with what these tests run: a shell, cat, tar (kubectl cp), httpd. */
function toolsImage(dir: string) {
  const applets = ["sh", "sleep", "httpd", "echo", "cat", "tar", "ls", "true", "wc", "test", "mkdir"];
  return buildOciImage("tools:1", {
    files: { "bin/busybox": STATIC_BUSYBOX },
    symlinks: Object.fromEntries(applets.map((a) => [`bin/${a}`, "busybox"])),
    dirs: ["tmp", "etc"],
    texts: { "www/index.html": "only on the pod's loopback\n", "etc/motd": "from the container\n" },
    config: { env: ["PATH=/bin"], cmd: ["/bin/sh"] },
  }, join(dir, "tools"));
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve(body));
    }).on("error", reject).end();
  });
}

/**
 * kubectl exec -i, cp, attach and port-forward on `tug up --runtime containerd`: the node agent bridges
 * them to containerd's CRI streaming server (SPDY), so stdin's end reaches the command, attach reaches the
 * container's own stdin and terminal, and port-forward dials inside the pod's network namespace.
 */
describe("tug up --runtime containerd: exec, cp, attach and port-forward through the CRI streaming server", { skip }, () => {
  let dir: string;
  let registry: TestRegistry;
  let c: Cluster;
  let image: string;
  const forwards: ChildProcess[] = [];

  const phase = (pod: string) => c.ok(["get", "pod", pod, "-o", "jsonpath={.status.phase}"]);
  const apply = (pod: object) => c.ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", ...pod }));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tug-containerd-streams-e2e-"));
    registry = await startRegistry(join(dir, "registry"));
    await registry.push(await toolsImage(join(dir, "images")), "tools:1");
    image = `${registry.host}/tools:1`;
    c = await Cluster.start(["--runtime", "containerd"]);
    c.ok(["run", "box", `--image=${image}`, "--", "sleep", "3600"]);
    c.ok(["wait", "--for=condition=Ready", "pod/box", "--timeout=90s"]);
  });
  after(async () => {
    for (const p of forwards) p.kill();
    await c?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("exec -i: the end of kubectl's stdin is the command's EOF (cat prints its input and exits 0)", () => {
    const r = c.kubectl(["exec", "-i", "box", "--", "cat"], "hi\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hi\n");
    const counted = c.kubectl(["exec", "-i", "box", "--", "sh", "-c", "wc -c; exit 4"], "x".repeat(200_000));
    assert.equal(counted.code, 4);
    assert.equal(counted.stdout.trim(), "200000");
  });

  test("exec -i from a SPDY client (kubectl 1.27): its stdin's half-close is the command's EOF too", { skip: existsSync(KUBECTL_SPDY) ? undefined : `no ${KUBECTL_SPDY}` }, () => {
    const r = spawnSync(KUBECTL_SPDY, ["--kubeconfig", c.kubeconfig, "exec", "-i", "box", "--", "cat"], { input: "over spdy\n", encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "over spdy\n");
  });

  test("kubectl cp copies a file into the container and back (tar over exec -i)", () => {
    const local = join(dir, "in.txt");
    writeFileSync(local, "copied in\n".repeat(1000));
    c.ok(["cp", local, "box:/tmp/in.txt"]);
    assert.equal(c.ok(["exec", "box", "--", "cat", "/tmp/in.txt"]), "copied in\n".repeat(1000));
    const back = join(dir, "back");
    mkdirSync(back);
    c.ok(["cp", "box:/etc/motd", join(back, "motd")]);
    assert.equal(readFileSync(join(back, "motd"), "utf8"), "from the container\n");
  });

  test("attach -i reaches a stdinOnce container's stdin, shows its output, and its end is the container's EOF", async () => {
    apply({
      metadata: { name: "reader" },
      spec: { restartPolicy: "Never", containers: [{ name: "c", image, stdin: true, stdinOnce: true, command: ["sh", "-c", "echo ready; while read line; do echo got $line; done; echo eof"] }] },
    });
    await eventually("reader ready to read", () => phase("reader") === "Running" && c.ok(["logs", "reader"]).includes("ready"), 60_000);
    const attach = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "attach", "-i", "reader"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    attach.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const code = new Promise<number | null>((resolve) => attach.once("exit", resolve));
    // containerd attaches stdin and output concurrently: a line read before the output is attached is
    // answered only in the log. Knock until an answer comes back through the attachment, then send the rest.
    await eventually("an answer through the attachment", () => {
      if (!out.includes("got knock")) attach.stdin.write("knock\n");
      return out.includes("got knock");
    }, 30_000, () => out);
    attach.stdin.end("one\ntwo\n");
    assert.equal(await code, 0);
    assert.match(out, /got knock\n(got knock\n)*got one\ngot two\neof\n$/);
    await eventually("reader Succeeded after its EOF", () => phase("reader") === "Succeeded", 30_000);
    assert.match(c.ok(["logs", "reader"]), /^ready\n(got knock\n)+got one\ngot two\neof\n$/);
  });

  test("attach -it gives a tty container's shell the keys typed and shows its terminal", async () => {
    apply({ metadata: { name: "term" }, spec: { containers: [{ name: "c", image, stdin: true, tty: true, command: ["sh"] }] } });
    await eventually("term Running", () => phase("term") === "Running", 60_000);
    const pty = spawnPty(KUBECTL, ["--kubeconfig", c.kubeconfig, "attach", "-it", "term"], { cols: 100, rows: 30, env: { ...process.env, TERM: "xterm" } as Record<string, string> });
    let output = "";
    pty.onData((d) => (output += d));
    const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
    try {
      await eventually("attached", () => /If you don't see a command prompt/.test(output), 30_000, () => output);
      // Typed until the shell answers (what is typed before the attach is wired up is the shell's too, but unseen).
      await eventually("the shell's answer", () => {
        if (!/sum=5\r\n/.test(output)) pty.write("echo sum=$((2+3)); [ -t 0 ] && echo on-a-tty\r");
        return /sum=5\r\non-a-tty\r\n/.test(output);
      }, 30_000, () => JSON.stringify(output));
      pty.write("exit 0\r");
      assert.equal(await exited, 0);
    } finally {
      pty.kill();
    }
  });

  test("port-forward reaches a server listening only on the pod's 127.0.0.1, and tells why a closed port fails", async () => {
    apply({ metadata: { name: "local" }, spec: { containers: [{ name: "c", image, command: ["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www"] }] } });
    c.ok(["wait", "--for=condition=Ready", "pod/local", "--timeout=60s"]);
    const proc = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "port-forward", "pod/local", ":8080", ":9"], { stdio: ["ignore", "pipe", "pipe"] });
    forwards.push(proc);
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    await eventually("port-forward listening", () => (out.match(/Forwarding from 127\.0\.0\.1:\d+/g) ?? []).length === 2 || proc.exitCode !== null, 30_000);
    const [open, closed] = [...out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)].sort((a, b) => Number(b[2]) - Number(a[2])).map((m) => Number(m[1]));
    assert.ok(open && closed, out);
    assert.deepEqual(await Promise.all([httpGet(open), httpGet(open), httpGet(open)]), Array(3).fill("only on the pod's loopback\n"));
    await httpGet(closed).then(() => undefined, () => undefined);
    await eventually("the closed port's error", () => /an error occurred forwarding \d+ -> 9: .*(connection refused|failed to connect)/.test(out), 20_000, () => out);
  });

  test("exec of a command that does not exist fails with the runtime's words, not a hang", () => {
    const r = spawnSync(KUBECTL, ["--kubeconfig", c.kubeconfig, "exec", "box", "--", "/no/such/command"], { encoding: "utf8", timeout: 30_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no such file or directory|not found/);
  });
});
