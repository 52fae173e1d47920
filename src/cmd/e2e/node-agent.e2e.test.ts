import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cluster, eventually, KUBECTL, rows } from "./harness.js";

const TUG = fileURLToPath(new URL("../../../../bin/tug.js", import.meta.url));

interface NodeJson {
  spec: { taints?: Array<{ key: string; effect: string }> };
  status: { conditions: Array<{ type: string; status: string; reason?: string }> };
}

describe("tug node joins a cluster; when it dies its node goes NotReady, is tainted, and its pods are evicted", () => {
  let c: Cluster;
  let agent: ChildProcess;
  const agentDir = mkdtempSync(join(tmpdir(), "tug-node-"));

  before(async () => {
    c = await Cluster.start(["--runtime", "process", "--node-monitor-grace-period", "4s", "--default-unreachable-toleration-seconds", "3"]);
    agent = spawn(process.execPath, [TUG, "node", "--kubeconfig", c.kubeconfig, "--name", "joiner", "--data-dir", agentDir], { stdio: "ignore" });
    await eventually("joiner Ready", () => /joiner\s+Ready/.test(c.kubectl(["get", "nodes"]).stdout), 15_000);
  });
  after(async () => {
    if (agent.exitCode === null) agent.kill("SIGKILL");
    await c.stop();
    rmSync(agentDir, { recursive: true, force: true });
  });

  test("pods run on the joined node; logs -f streams through the API server from its agent", async () => {
    c.ok(["run", "pinned", "--image=busybox", "--overrides", JSON.stringify({ spec: { nodeSelector: { "kubernetes.io/hostname": "joiner" } } }),
      "--command", "--", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"]);
    await eventually("pinned Running on joiner", () => /pinned\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+joiner/.test(c.kubectl(["get", "pod", "pinned", "-o", "wide"]).stdout), 30_000);
    await eventually("ticks in the log", () => c.kubectl(["logs", "pinned"]).stdout.includes("tick 2"), 15_000);
    // Follow until three lines have come (the last one, then two written after it), however long a loaded machine takes.
    const follow = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "logs", "-f", "pinned", "--tail=1"], { stdio: ["ignore", "pipe", "ignore"] });
    let streamed = "";
    follow.stdout!.on("data", (d: Buffer) => (streamed += d.toString()));
    try {
      await eventually("three lines streamed", () => streamed.split("\n").length > 3 || follow.exitCode !== null, 30_000);
    } finally {
      follow.kill();
    }
    const ticks = streamed.split("\n").slice(0, 3).map((line) => Number(/^tick (\d+)$/.exec(line)?.[1]));
    assert.deepEqual(ticks, [ticks[0]!, ticks[0]! + 1, ticks[0]! + 2], streamed);
  });

  test("an unsatisfiable pod stays Pending with a FailedScheduling event", async () => {
    c.ok(["run", "huge", "--image=busybox", "--overrides", JSON.stringify({ spec: { containers: [{ name: "huge", image: "busybox", resources: { requests: { cpu: "1000" } } }] } })]);
    await eventually("FailedScheduling", () => /FailedScheduling.*0\/2 nodes are available: 2 Insufficient cpu\./.test(c.kubectl(["describe", "pod", "huge"]).stdout));
    assert.match(c.ok(["get", "pod", "huge"]), /huge\s+0\/1\s+Pending/);
    c.ok(["delete", "pod", "huge", "--wait=false"]);
  });

  test("killing the agent: Unknown after the grace period, unreachable taints, then eviction", async () => {
    agent.kill("SIGKILL");
    const node = () => c.json<NodeJson>(["get", "node", "joiner"]);
    await eventually("joiner NotReady", () => rows(c.ok(["get", "node", "joiner"]))[1]?.[1] === "NotReady", 20_000);
    const ready = node().status.conditions.find((x) => x.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason], ["Unknown", "NodeStatusUnknown"]);
    await eventually("unreachable taints", () => (node().spec.taints ?? []).filter((t) => t.key === "node.kubernetes.io/unreachable").length === 2);
    await eventually("pinned evicted", () => {
      const pod = c.kubectl(["get", "pod", "pinned", "-o", "jsonpath={.metadata.deletionTimestamp}"]);
      return pod.code !== 0 || pod.stdout !== "";
    }, 20_000);
    assert.match(c.ok(["get", "events", "--field-selector", "involvedObject.name=pinned"]), /TaintManagerEviction\s+pod\/pinned\s+Marking for deletion Pod default\/pinned/);
  });

  test("the agent restarted on its data dir cleans up what it left, finishes the eviction and turns Ready", async () => {
    let log = "";
    agent = spawn(process.execPath, [TUG, "node", "--kubeconfig", c.kubeconfig, "--name", "joiner", "--data-dir", agentDir], { stdio: ["ignore", "ignore", "pipe"] });
    agent.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    await eventually("joiner Ready again", () => /joiner\s+Ready/.test(c.kubectl(["get", "nodes"]).stdout), 30_000);
    await eventually("taints removed", () => !(c.json<NodeJson>(["get", "node", "joiner"]).spec.taints ?? []).some((t) => t.key.startsWith("node.kubernetes.io/")), 15_000);
    await eventually("pinned gone", () => c.kubectl(["get", "pod", "pinned"]).code !== 0, 15_000);
    await eventually("the agent's cleanup logged", () => /Cleaned up pod sandboxes of a previous run/.test(log), 15_000);
    const stopped = new Promise((r) => agent.once("exit", r));
    agent.kill("SIGTERM");
    await stopped;
  });
});
