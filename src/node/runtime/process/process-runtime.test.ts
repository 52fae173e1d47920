import { spawnSync } from "node:child_process";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeConformance } from "../conformance.js";
import { ImageCatalog } from "./catalog.js";
import { canIsolatePods, CniNetwork, DEFAULT_CNI_PATH } from "./network.js";
import { ProcessRuntime } from "./process-runtime.js";

describe("ProcessRuntime on the host network", () => {
  runtimeConformance(async () => new ProcessRuntime({ stateDir: mkdtempSync(join(tmpdir(), "tug-rt-")), catalog: new ImageCatalog(), hostIP: "127.0.0.1" }));
});

describe("ProcessRuntime with pod namespaces and a CNI bridge", { skip: !canIsolatePods() && "needs root and /usr/lib/cni" }, () => {
  runtimeConformance(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "tug-rt-"));
    // Outside 10.88.0.0/16, where the node agents of clusters running beside this test pick their subnets.
    const network = new CniNetwork({ cniPath: DEFAULT_CNI_PATH, bridge: "tugtest0", subnet: "10.89.250.0/24", stateDir: join(stateDir, "cni") });
    return new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1", network });
  });
  after(() => spawnSync("ip", ["link", "delete", "tugtest0"]));
});

describe("ProcessRuntime forwards hostPorts with CNI portmap", { skip: !canIsolatePods() && "needs root and /usr/lib/cni" }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), "tug-rt-"));
  const network = new CniNetwork({ cniPath: DEFAULT_CNI_PATH, bridge: "tugtest1", subnet: "10.89.251.0/24", stateDir: join(stateDir, "cni") });
  const runtime = new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1", network });
  after(async () => {
    await runtime.close(0);
    spawnSync("ip", ["link", "delete", "tugtest1"]);
  });
  /** What the host reads from 127.0.0.1:port, or the connection's error code. */
  const read = (port: number) => new Promise<string>((resolve) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString()));
    s.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    s.on("close", () => resolve(got));
  });

  test("the host's 127.0.0.1:hostPort reaches the pod's containerPort until the sandbox goes", async () => {
    const hostPort = 20_000 + (process.pid % 10_000);
    const sandbox = await runtime.runPodSandbox({
      uid: "uid-hp", namespace: "default", name: "hp", hostname: "hp", hostNetwork: false, portMappings: [{ containerPort: 8080, hostPort, protocol: "TCP" }],
    });
    const image = await runtime.pullImage("busybox");
    const id = await runtime.createContainer(sandbox.id, {
      name: "c", attempt: 0, image, argv: ["sh", "-c", "while true; do echo hello-from-pod | busybox nc -l -p 8080; done"], env: {}, mounts: [], logPath: join(stateDir, "c.log"),
    });
    await runtime.startContainer(id);
    let answer = "";
    for (let i = 0; i < 100 && !answer.includes("hello-from-pod"); i++) {
      answer = await read(hostPort);
      if (!answer.includes("hello-from-pod")) await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(answer, /hello-from-pod/);
    await runtime.removePodSandbox(sandbox.id);
    const rules = spawnSync("iptables", ["-t", "nat", "-S"], { encoding: "utf8" }).stdout;
    assert.doesNotMatch(rules, new RegExp(`--dport ${hostPort}\\b`), "the DNAT rule went with the sandbox");
  });
});


describe("ProcessRuntime runs a container as its security says, in its own root", { skip: !canIsolatePods() && "needs root and /usr/lib/cni" }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), "tug-rt-"));
  const network = new CniNetwork({ cniPath: DEFAULT_CNI_PATH, bridge: "tugtest2", subnet: "10.89.253.0/24", stateDir: join(stateDir, "cni") });
  const runtime = new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1", network });
  after(async () => {
    await runtime.close(0);
    spawnSync("ip", ["link", "delete", "tugtest2"]);
  });

  test("uid, gid, groups and no_new_privs apply to the container and to an exec right after it starts; its /tmp and root writes stay its own", async () => {
    const sandbox = await runtime.runPodSandbox({ uid: "uid-sec", namespace: "default", name: "sec", hostname: "sec", hostNetwork: false });
    const image = await runtime.pullImage("busybox");
    const marker = `tugboat-rt-${process.pid}`;
    const id = await runtime.createContainer(sandbox.id, {
      name: "c", attempt: 0, image, argv: ["sh", "-c", `echo mine > /tmp/${marker}; sleep 30`], env: {}, mounts: [], logPath: join(stateDir, "sec.log"),
      security: { uid: 1001, gid: 2002, groups: [3003], capabilities: ["KILL"], noNewPrivs: true, readOnlyRootFilesystem: false },
    });
    await runtime.startContainer(id);
    const r = await runtime.exec(id, ["sh", "-c", "id -u; id -g; id -G; grep NoNewPrivs /proc/self/status; ls /tmp"], 5000);
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(r.output, `1001\n2002\n2002 3003\nNoNewPrivs:\t1\n${marker}\n`);
    assert.ok(!existsSync(`/tmp/${marker}`), "the container's /tmp is not the node's");
    const asRoot = await runtime.createContainer(sandbox.id, { name: "r", attempt: 0, image, argv: ["sleep", "30"], env: {}, mounts: [], logPath: join(stateDir, "root.log") });
    await runtime.startContainer(asRoot);
    const wrote = await runtime.exec(asRoot, ["sh", "-c", `echo root > /${marker}-root && cat /${marker}-root`], 5000);
    assert.equal(wrote.output, "root\n");
    assert.ok(!existsSync(`/${marker}-root`), "what the container writes to / stays in its own layer");
    await runtime.removePodSandbox(sandbox.id);
  });
});
