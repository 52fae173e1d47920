import { spawnSync } from "node:child_process";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
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

