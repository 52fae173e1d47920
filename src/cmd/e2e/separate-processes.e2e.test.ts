import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { eventually, KUBECTL, kubectlAvailable } from "./harness.js";
import { TUG } from "./harness.js";

/** A started `tug …` process and its log lines (JSON), as they come. */
interface Proc {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  logged(msg: string): Record<string, unknown> | undefined;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [...TUG_NODE_FLAGS, TUG, ...args, "--logging-format", "json"], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Array<Record<string, unknown>> = [];
  let rest = "";
  const take = (d: Buffer) => {
    rest += d.toString();
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  return { child, lines, logged: (msg) => lines.find((l) => l.msg === msg) };
}

async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return `https://127.0.0.1:${port}`;
}

/** Short leader election timings (upstream's ratios) so a takeover takes seconds. */
const LEADER_FLAGS = ["--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms"];
const LEASE_MS = 4_000;
const RETRY_MS = 500;

describe("tug apiserver, tug controller-manager ×2, tug scheduler and tug node (the last two given a dead API server first) as separate processes", { skip: !kubectlAvailable() && "kubectl is not installed" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tug-separate-"));
  const kubeconfig = join(dir, "kubeconfig");
  const procs: Proc[] = [];
  const kubectl = (...args: string[]) => spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8" });
  let api: Proc;

  before(async () => {
    api = start(["apiserver", "--data-dir", dir, "--secure-port", "0", "--bind-address", "127.0.0.1"]);
    procs.push(api);
    await eventually("the API server to be up", () => api.logged("API server is up") !== undefined, 30_000, () => JSON.stringify(api.lines.slice(-5)));
  });
  after(() => {
    for (const p of procs) p.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("the leading controller manager killed with SIGKILL: the other takes the lease within lease duration + two jittered retries, and the cluster carries on", async () => {
    const managers = [0, 1].map(() => start(["controller-manager", "--kubeconfig", kubeconfig, "--port", "0", ...LEADER_FLAGS]));
    const servers = `${await deadUrl()},${String(api.logged("API server is up")!.server)}`;
    const scheduler = start(["scheduler", "--kubeconfig", kubeconfig, "--server", servers, ...LEADER_FLAGS]);
    const node = start(["node", "--kubeconfig", kubeconfig, "--name", "sim-1", "--runtime", "simulated", "--server", servers]);
    procs.push(...managers, scheduler, node);
    await eventually("one controller manager to lead", () => managers.some((m) => m.logged("Successfully acquired lease")), 30_000);
    await eventually("the scheduler to lead", () => scheduler.logged("Successfully acquired lease") !== undefined, 30_000);
    await eventually("node sim-1 through the second --server URL", () => kubectl("get", "node", "sim-1").status === 0, 30_000, () => JSON.stringify(node.lines.slice(-5)));
    assert.equal(kubectl("create", "deployment", "web", "--image", "nginx", "--replicas", "2").status, 0);
    const running = (n: number) => () => kubectl("get", "pods", "-l", "app=web", "--field-selector", "status.phase=Running", "-o", "name").stdout.trim().split("\n").filter(Boolean).length === n;
    await eventually("2 web pods Running", running(2), 30_000, () => kubectl("get", "pods", "-o", "wide").stdout);

    const leader = managers.find((m) => m.logged("Successfully acquired lease"))!;
    const standby = managers.find((m) => m !== leader)!;
    assert.equal(standby.logged("Successfully acquired lease"), undefined, "one leader at a time");
    const killedAt = Date.now();
    leader.child.kill("SIGKILL");
    await eventually("the standby to take the lease", () => standby.logged("Successfully acquired lease") !== undefined, 20_000);
    const gap = Date.parse(String(standby.logged("Successfully acquired lease")!.time)) - killedAt;
    process.stdout.write(`takeover gap after SIGKILL: ${gap} ms (lease duration ${LEASE_MS} ms, retry period ${RETRY_MS} ms)\n`);
    assert.ok(gap <= LEASE_MS + 2 * 2.2 * RETRY_MS + 1_000, `took ${gap} ms`);
    const lease = JSON.parse(kubectl("-n", "kube-system", "get", "lease", "kube-controller-manager", "-o", "json").stdout) as { spec: { leaseTransitions: number; holderIdentity: string } };
    assert.equal(lease.spec.leaseTransitions, 1);
    assert.match(lease.spec.holderIdentity, /^.+_[0-9a-f-]{36}$/);

    assert.equal(kubectl("scale", "deployment", "web", "--replicas", "3").status, 0);
    await eventually("3 web pods Running under the new leader", running(3), 30_000, () => kubectl("get", "pods", "-o", "wide").stdout);
    assert.equal(kubectl("get", "pods", "-l", "app=web", "-o", "name").stdout.trim().split("\n").length, 3, "no pod created twice");
  });
});
