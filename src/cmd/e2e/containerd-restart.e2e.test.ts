import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { criClient, type CriClient } from "../../node/runtime/containerd/cri-client.js";
import { killShims } from "../../node/runtime/containerd/daemon.js";
import { busyboxImage, containerdSkipReason, registrySkipReason, startRegistry, type TestRegistry } from "../../node/runtime/containerd/testing.js";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { Cluster, eventually, kubectlAvailable, TUG } from "./harness.js";

interface PodJson {
  metadata: { uid: string };
  status: {
    podIP?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime: string }>;
    containerStatuses?: Array<{ ready: boolean; restartCount: number; containerID?: string; state: { running?: { startedAt: string } } }>;
  };
}

const skip = containerdSkipReason() ?? registrySkipReason() ?? (kubectlAvailable() ? undefined : "no kubectl on PATH");
const NODE = "adopter";

/**
 * `tug node --runtime containerd` restarted as upstream's kubelet is: its pods' containers keep running
 * while it is down (it leaves them, its containerd stops without their shims), and the next start adopts
 * them — same container, same start, same restart count, the pod Ready and answering throughout — while
 * what belongs to pods deleted meanwhile is removed. The node joins with a bootstrap token.
 */
describe("tug node --runtime containerd: a restart adopts the running containers", { skip }, () => {
  let dir: string;
  let registry: TestRegistry;
  let c: Cluster;
  let agent: ChildProcess | undefined;
  let agentLog = "";
  let joinArgs: string[] = [];
  let cri: CriClient;
  const agentDir = () => join(dir, "node");
  const socket = () => join(agentDir(), "nodes", NODE, "containerd", "containerd.sock");

  const startAgent = () => {
    agentLog = "";
    agent = spawn(process.execPath, [...TUG_NODE_FLAGS, TUG, "node", ...joinArgs], { stdio: ["ignore", "ignore", "pipe"] });
    agent.stderr!.on("data", (d: Buffer) => (agentLog += d.toString()));
  };
  const stopAgent = async () => {
    if (!agent || agent.exitCode !== null) return;
    const exited = new Promise((r) => agent!.once("exit", r));
    agent.kill("SIGTERM");
    await exited;
  };
  const pod = (name: string) => c.json<PodJson>(["get", "pod", name]);
  const ready = (p: PodJson) => p.status.conditions?.find((x) => x.type === "Ready");
  /** How many sandboxes and containers the CRI has of a pod (by upstream's pod UID label). */
  const inRuntime = async (uid: string) => {
    const filter = { labelSelector: { "io.kubernetes.pod.uid": uid } };
    const [sandboxes, containers] = await Promise.all([cri.runtime.listPodSandbox({ filter }), cri.runtime.listContainers({ filter })]);
    return sandboxes.items.length + containers.containers.length;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tug-containerd-restart-"));
    registry = await startRegistry(join(dir, "registry"));
    await registry.push(await busyboxImage("web:1", join(dir, "images"), { entrypoint: ["/bin/httpd", "-f", "-p", "80", "-h", "/www"] }, "still here\n"), "web:1");
    c = await Cluster.start(["--runtime", "process"]);
    const token = execFileSync(process.execPath, [TUG, "token", "create", "--kubeconfig", c.kubeconfig], { encoding: "utf8" }).trim();
    const server = /server: (\S+)/.exec(readFileSync(c.kubeconfig, "utf8"))![1]!;
    joinArgs = [
      "--server", server, "--certificate-authority", join(c.dataDir, "pki", "ca.crt"), "--token", token, "--name", NODE, "--data-dir", agentDir(),
      "--runtime", "containerd", "--registry-mirrors", `docker.io=http://${registry.host}`,
    ];
    startAgent();
    await eventually(`${NODE} Ready`, () => new RegExp(`${NODE}\\s+Ready`).test(c.kubectl(["get", "nodes"]).stdout), 90_000, () => agentLog);
    cri = criClient(socket());
  });
  after(async () => {
    // Pods gone first, by a running agent (started again if a failure left it down): an agent with no pods
    // left stops its containerd and network as well.
    if (c && joinArgs.length > 0 && agent?.exitCode !== null) startAgent();
    c?.kubectl(["delete", "pods", "--all", "--grace-period=1", "--wait=true", "--timeout=60s"]);
    await stopAgent();
    cri?.close();
    killShims(socket());
    // The node's pod bridge (named as the agent names it), should a failure have left it.
    spawnSync("ip", ["link", "delete", `tug${createHash("sha1").update(`${resolve(agentDir())}\0${NODE}`).digest("hex").slice(0, 8)}`], { stdio: "ignore" });
    await c?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the kept pod's container, start and restart count survive the restart, Ready and answering throughout; pods deleted meanwhile lose their containers", async () => {
    const image = `${registry.host}/web:1`;
    const manifest = (name: string) => JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name },
      spec: {
        nodeName: NODE, terminationGracePeriodSeconds: 2,
        containers: [{ name: "web", image, ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 1 } }],
      },
    });
    for (const name of ["keep", "gone", "ending"]) c.ok(["create", "-f", "-"], manifest(name));
    await eventually("the three pods Ready", () => ["keep", "gone", "ending"].every((n) => ready(pod(n))?.status === "True"), 90_000, () => c.ok(["describe", "pods"]) + agentLog);
    const was = pod("keep");
    const gone = pod("gone").metadata.uid;
    const ending = pod("ending").metadata.uid;
    assert.ok((await inRuntime(gone)) > 0 && (await inRuntime(ending)) > 0);

    let stopped = false;
    const failures: string[] = [];
    let ok = 0;
    const traffic = (async () => {
      while (!stopped) {
        try {
          const res = await fetch(`http://${was.status.podIP}/`, { signal: AbortSignal.timeout(3000) });
          assert.equal(await res.text(), "still here\n");
          ok++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    try {
      await stopAgent();
      assert.match(agentLog, /The pods' containers keep running/);
      const answered = ok;
      await eventually("the pod answering with the agent down", () => ok > answered + 3, 10_000);
      // Meanwhile: one pod removed from the API at once, one deleted gracefully (waiting for its node agent).
      c.ok(["delete", "pod", "gone", "--grace-period=0", "--force"]);
      c.ok(["delete", "pod", "ending", "--wait=false"]);
      startAgent();
      await eventually("the agent adopting the sandboxes", () => /Adopted the running pod sandboxes of a previous run/.test(agentLog), 60_000, () => agentLog);
      await eventually("the gracefully deleted pod gone", () => c.kubectl(["get", "pod", "ending"]).code !== 0, 60_000, () => agentLog);
      let left = -1;
      await eventually("the deleted pods' sandboxes and containers removed", () => {
        void Promise.all([inRuntime(gone), inRuntime(ending)]).then(([a, b]) => (left = a + b), () => undefined);
        return left === 0;
      }, 60_000, () => agentLog);
      // The adopted container is the agent's again: exec reaches it through the new agent.
      assert.equal(c.ok(["exec", "keep", "--", "cat", "/www/index.html"]), "still here\n");
    } finally {
      stopped = true;
      await traffic;
    }
    assert.deepEqual(failures, []);
    const now = pod("keep");
    const [before, after] = [was.status.containerStatuses![0]!, now.status.containerStatuses![0]!];
    assert.deepEqual(
      [after.containerID, after.state.running?.startedAt, after.restartCount, after.ready, now.status.podIP],
      [before.containerID, before.state.running?.startedAt, before.restartCount, true, was.status.podIP],
    );
    assert.deepEqual(ready(now), ready(was), "Ready never changed (same lastTransitionTime)");
  });
});
