import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn as spawnPty } from "node-pty";
import { Cluster, eventually, KUBECTL } from "./harness.js";

/** kubectl 1.32 speaks WebSocket (v5, with SPDY as fallback); 1.27 only SPDY/3.1. */
const KUBECTL_127 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";
const VERSIONS = [{ name: "kubectl 1.32 (WebSocket)", bin: KUBECTL }, { name: "kubectl 1.27 (SPDY)", bin: KUBECTL_127 }];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(c: Cluster, bin: string, args: string[], input?: string): Result {
  const r = spawnSync(bin, ["--kubeconfig", c.kubeconfig, ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Drives kubectl through a pseudo-terminal as a user at a terminal would; resolves with what it printed and its exit code. */
function throughPty(c: Cluster, bin: string, args: string[], steps: Array<{ waitFor: RegExp; send?: string; resize?: [number, number] }>): Promise<{ output: string; code: number }> {
  const pty = spawnPty(bin, ["--kubeconfig", c.kubeconfig, ...args], { cols: 100, rows: 30, env: { ...process.env, TERM: "xterm" } as Record<string, string> });
  let output = "";
  let step = 0;
  const advance = () => {
    while (step < steps.length && steps[step]!.waitFor.test(output)) {
      const s = steps[step++]!;
      if (s.resize) pty.resize(...s.resize);
      if (s.send) pty.write(s.send);
    }
  };
  pty.onData((d) => {
    output += d;
    advance();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pty.kill();
      reject(new Error(`kubectl ${args.join(" ")} stalled at step ${step}; printed: ${JSON.stringify(output)}`));
    }, 60_000);
    pty.onExit(({ exitCode }) => {
      clearTimeout(timer);
      resolve({ output, code: exitCode });
    });
  });
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve(body));
    }).on("error", reject).end();
  });
}

/** Starts `kubectl port-forward <target> :80` and resolves with the local port it chose. */
async function portForward(c: Cluster, bin: string, target: string): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(bin, ["--kubeconfig", c.kubeconfig, "port-forward", target, ":80"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await eventually(`port-forward ${target} listening`, () => /Forwarding from 127\.0\.0\.1:\d+/.test(out) || proc.exitCode !== null, 30_000);
  const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
  if (!m) throw new Error(`port-forward failed: ${out}`);
  return { port: Number(m[1]), proc };
}

function processesMatching(pattern: string): number {
  return spawnSync("pgrep", ["-f", pattern], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;
}

/** The Python client's stream(): exec (output, exit code, stdin) over v4.channel.k8s.io, and portforward() over its WebSocket protocol. */
const PYTHON_STREAMS = String.raw`
import sys
from kubernetes import client, config
from kubernetes.stream import stream, portforward
config.load_kube_config(sys.argv[1])
v1 = client.CoreV1Api()
print("EXEC", repr(stream(v1.connect_get_namespaced_pod_exec, "bb", "default", command=["hostname"], stderr=True, stdin=False, stdout=True, tty=False)))
resp = stream(v1.connect_get_namespaced_pod_exec, "bb", "default", command=["sh", "-c", "exit 3"], stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
resp.run_forever(timeout=10)
print("RC", resp.returncode)
resp = stream(v1.connect_get_namespaced_pod_exec, "bb", "default", command=["sh", "-c", "read x; echo got $x"], stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("hello\n")
out = ""
while resp.is_open():
    resp.update(timeout=5)
    out += resp.read_stdout()
print("STDIN", repr(out))
pf = portforward(v1.connect_get_namespaced_pod_portforward, sys.argv[2], "default", ports="80")
s = pf.socket(80)
s.setblocking(True)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print("PF", data.split(b"\r\n")[0].decode())
`;

/**
 * @kubernetes/client-node's Exec (v5/v4 WebSocket: output, Status with the exit code) and PortForward
 * (the WebSocket port-forward protocol): the 1.x of the project's devDependencies (2.x needs Node 22), run
 * from a script in dist/ so it resolves from the project's node_modules; TUG_CLIENT_NODE_DIR names another
 * install to try instead.
 */
const CLIENT_NODE_DIR = process.env.TUG_CLIENT_NODE_DIR ?? fileURLToPath(new URL("../../../", import.meta.url));
const CLIENT_NODE_CHECK = String.raw`import * as k8s from "@kubernetes/client-node";
import { PassThrough } from "node:stream";
import { createServer, connect } from "node:net";
const [kubeconfig, webPod] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const exec = new k8s.Exec(kc);
async function run(command, input) {
  const out = new PassThrough(), err = new PassThrough();
  let stdout = "", stderr = "";
  out.on("data", (d) => (stdout += d)); err.on("data", (d) => (stderr += d));
  const stdin = input === undefined ? null : new PassThrough();
  const status = await new Promise((resolve, reject) => {
    exec.exec("default", "bb", "bb", command, out, err, stdin, false, (s) => resolve(s)).then((ws) => {
      if (stdin) { stdin.end(input); }
    }, reject);
  });
  return { stdout, stderr, status };
}
const a = await run(["hostname"]);
console.log("EXEC", JSON.stringify(a.stdout), a.status.status);
const b = await run(["sh", "-c", "exit 3"]);
console.log("RC", b.status.status, b.status.message, b.status.details?.causes?.[0]?.message);
const pf = new k8s.PortForward(kc);
const server = createServer((socket) => pf.portForward("default", webPod, [80], socket, null, socket));
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const body = await new Promise((resolve, reject) => {
  const s = connect({ host: "127.0.0.1", port: server.address().port });
  let data = "";
  s.on("data", (d) => { data += d; if (data.includes("\r\n\r\n")) resolve(data); }); s.on("close", () => resolve(data)); s.on("error", reject);
  s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
});
console.log("PF", body.split("\r\n")[0]);
server.close();
process.exit(0);
`;

describe("kubectl exec, cp, run -it, attach, port-forward and proxy against tug up", () => {
  let c: Cluster;
  const dir = mkdtempSync(join(tmpdir(), "tug-connect-"));
  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
    c.ok(["run", "bb", "--image=busybox", "--", "sleep", "3600"]);
    c.ok(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: "two" },
      spec: { containers: ["first", "second"].map((name) => ({ name, image: "busybox", command: ["sleep", "3600"], env: [{ name: "WHO", value: name }] })) },
    }));
    c.ok(["create", "deployment", "web", "--image=nginx", "--port=80", "--replicas=2"]);
    c.ok(["expose", "deployment", "web", "--port=80"]);
    c.ok(["wait", "--for=condition=Ready", "pod", "--all", "--timeout=90s"]);
    c.ok(["wait", "--for=condition=Available", "deployment/web", "--timeout=90s"]);
  });
  after(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    test(`exec prints the command's output and propagates its exit code (${v.name})`, () => {
      const hostname = run(c, v.bin, ["exec", "bb", "--", "hostname"]);
      assert.equal(hostname.code, 0, hostname.stderr);
      assert.equal(hostname.stdout, "bb\n");
      const failing = run(c, v.bin, ["exec", "bb", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
      assert.equal(failing.code, 3);
      assert.equal(failing.stdout, "out\n");
      assert.match(failing.stderr, /^err\ncommand terminated with exit code 3\n$/);
    });

    test(`exec -i passes stdin through and closes it at its end (${v.name})`, () => {
      const r = run(c, v.bin, ["exec", "-i", "bb", "--", "sh", "-c", "cat; echo done"], "line one\nline two\n");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "line one\nline two\ndone\n");
    });

    test(`exec -it gives the command a terminal of the client's size, resized with it (${v.name})`, async () => {
      const r = await throughPty(c, v.bin, ["exec", "-it", "bb", "--", "sh"], [
        { waitFor: /# /, send: "stty size; hostname\r" },
        { waitFor: /30 100\r\nbb\r\n/, resize: [120, 40], send: "stty size\r" },
        { waitFor: /40 120\r\n/, send: "exit 7\r" },
      ]);
      assert.match(r.output, /30 100\r\nbb\r\n/);
      assert.equal(r.code, 7);
    });

    test(`exec -c picks the container, and without -c kubectl defaults to the first and says so (${v.name})`, () => {
      const second = run(c, v.bin, ["exec", "two", "-c", "second", "--", "sh", "-c", "echo in-$WHO"]);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout, "in-second\n");
      const defaulted = run(c, v.bin, ["exec", "two", "--", "sh", "-c", "echo in-$WHO"]);
      assert.equal(defaulted.code, 0, defaulted.stderr);
      assert.equal(defaulted.stdout, "in-first\n");
      assert.match(defaulted.stderr, /Defaulted container "first" out of: first, second/);
    });

    test(`cp copies a file into the pod and back (${v.name})`, () => {
      const local = join(dir, `in-${v.bin.length}.txt`);
      writeFileSync(local, "some bytes\n");
      const into = run(c, v.bin, ["cp", local, `bb:/tmp/copied-${v.bin.length}.txt`]);
      assert.equal(into.code, 0, into.stderr);
      assert.equal(run(c, v.bin, ["exec", "bb", "--", "cat", `/tmp/copied-${v.bin.length}.txt`]).stdout, "some bytes\n");
      const back = join(dir, `back-${v.bin.length}.txt`);
      const out = run(c, v.bin, ["cp", `bb:/tmp/copied-${v.bin.length}.txt`, back]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(readFileSync(back, "utf8"), "some bytes\n");
    });

    test(`port-forward to a pod, a service and a deployment serves concurrent connections (${v.name})`, async () => {
      for (const target of ["svc/web", "deploy/web", await podOf(c, "app=web")]) {
        const { port, proc } = await portForward(c, v.bin, target);
        try {
          const bodies = await Promise.all(Array.from({ length: 10 }, () => httpGet(port)));
          for (const body of bodies) assert.match(body, /Welcome to nginx!/, target);
        } finally {
          proc.kill();
        }
      }
    });
  }

  test("exec on a missing pod is NotFound, on a container the pod doesn't have BadRequest", () => {
    assert.match(c.kubectl(["exec", "ghost", "--", "true"]).stderr, /Error from server \(NotFound\): pods "ghost" not found/);
    assert.match(c.kubectl(["exec", "bb", "-c", "nope", "--", "true"]).stderr, /container nope is not valid for pod bb/);
  });

  test("run -it --rm prints the command's output and deletes the pod", async () => {
    const r = await throughPty(c, KUBECTL, ["run", "-it", "--rm", "once", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo hi"], []);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /\bhi\r\n/);
    assert.match(r.output, /pod "once" deleted/);
    assert.match(c.kubectl(["get", "pod", "once"]).stderr, /NotFound/);
  });

  test("attach streams the running container's output", async () => {
    c.ok(["run", "ticker", "--image=busybox", "--", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"]);
    c.ok(["wait", "--for=condition=Ready", "pod/ticker", "--timeout=60s"]);
    const attach = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "attach", "ticker"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    attach.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await eventually("two ticks through attach", () => (out.match(/tick \d+\n/g) ?? []).length >= 2, 20_000);
    } finally {
      attach.kill();
    }
  });

  test("attach -i feeds a stdin container; with stdinOnce the end of the attacher's input is the container's EOF", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: busybox, stdin: true, stdinOnce: true, command: ["sh", "-c", "echo ready; while read line; do echo got $line; done; echo eof"]}
`);
    await eventually("reader running", () => c.ok(["get", "pod", "reader", "-o", "jsonpath={.status.phase}"]) === "Running", 60_000);
    await eventually("reader ready to read", () => c.ok(["logs", "reader"]).includes("ready"), 20_000);
    const r = spawnSync(KUBECTL, ["--kubeconfig", c.kubeconfig, "attach", "-i", "reader"], { input: "one\ntwo\n", encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    await eventually("reader Succeeded after its EOF", () => c.ok(["get", "pod", "reader", "-o", "jsonpath={.status.phase}"]) === "Succeeded", 30_000);
    assert.equal(c.ok(["logs", "reader"]), "ready\ngot one\ngot two\neof\n");
  });

  test("a client that disconnects mid-exec leaves no process behind", async () => {
    const exec = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "exec", "bb", "--", "sleep", "4242"], { stdio: "ignore" });
    await eventually("sleep 4242 running in the pod", () => processesMatching("sleep 4242") > 0, 20_000);
    exec.kill("SIGKILL");
    await eventually("sleep 4242 gone", () => processesMatching("sleep 4242") === 0, 20_000);
  });

  test("the Python client's stream() execs and port-forwards", { skip: spawnSync("/usr/bin/python3", ["-c", "import kubernetes"]).status === 0 ? undefined : "python3-kubernetes is not installed" }, async () => {
    const pod = (await podOf(c, "app=web")).slice("pod/".length);
    const r = spawnSync("/usr/bin/python3", ["-c", PYTHON_STREAMS, c.kubeconfig, pod], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "EXEC 'bb\\n'\nRC 3\nSTDIN 'got hello\\n'\nPF HTTP/1.1 200 OK\n");
  });

  test("@kubernetes/client-node's Exec and PortForward", async () => {
    const pod = (await podOf(c, "app=web")).slice("pod/".length);
    const script = join(CLIENT_NODE_DIR, "tug-connect-check.mjs");
    writeFileSync(script, CLIENT_NODE_CHECK);
    const r = spawnSync(process.execPath, [script, c.kubeconfig, pod], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'EXEC "bb\\n" Success\nRC Failure command terminated with exit code 3 3\nPF HTTP/1.1 200 OK\n');
  });

  test("a port-forward client that goes away mid-connection leaves no dialer behind in the pod's network", async () => {
    const pod = await podOf(c, "app=web");
    const { port, proc } = await portForward(c, KUBECTL, pod);
    const { connect } = await import("node:net");
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    await eventually("the dialer in the pod's network", () => processesMatching("nc 127.0.0.1 80") > 0, 20_000);
    proc.kill("SIGKILL");
    await eventually("the dialer gone", () => processesMatching("nc 127.0.0.1 80") === 0, 20_000);
    socket.destroy();
  });

  test("get --raw through pods/{name}:80/proxy and services/{name}:80/proxy reaches the pod's server", async () => {
    const pod = (await podOf(c, "app=web")).slice("pod/".length);
    assert.match(c.ok(["get", "--raw", `/api/v1/namespaces/default/pods/${pod}:80/proxy/`]), /Welcome to nginx!/);
    assert.match(c.ok(["get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/"]), /Welcome to nginx!/);
    assert.match(c.ok(["get", "--raw", "/api/v1/namespaces/default/services/http:web:/proxy/"]), /Welcome to nginx!/);
    assert.match(c.kubectl(["get", "--raw", "/api/v1/namespaces/default/services/ghost:80/proxy/"]).stderr, /services "ghost" not found/);
  });
});

describe("exec against a simulated node", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
    c.ok(["run", "web", "--image=ikubernetes/myapp:v1"]);
    c.ok(["wait", "--for=condition=Ready", "pod/web", "--timeout=60s"]);
  });
  after(async () => {
    await c.stop();
  });

  test("exec and port-forward answer at once that the node is simulated, never hang", async () => {
    const r = c.kubectl(["exec", "web", "--", "true"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /node "[^"]+" is simulated: exec is not available/);
    const forward = await c.kubectlAsync(["port-forward", "pod/web", "0:80"]);
    assert.equal(forward.code, 1);
    assert.match(forward.stderr, /is simulated: port-forward is not available/);
  });
});

async function podOf(c: Cluster, selector: string): Promise<string> {
  const name = c.ok(["get", "pod", "-l", selector, "-o", "jsonpath={.items[0].metadata.name}"]);
  return `pod/${name}`;
}
