import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { eventually, KUBECTL, kubectlAvailable, TUG } from "./harness.js";

/**
 * Two `tug apiserver`s on one etcd (issue 26's "kill -9 one API server"): each on its own loopback address
 * and the same port, as several API servers behind one `kubernetes` Service must be. Runs once `tug
 * apiserver` takes `--store etcd --etcd-servers` (the etcd backend); until then it is skipped.
 */
const ETCD = "/usr/bin/etcd";
const ready = (() => {
  if (!existsSync(ETCD)) return "etcd is not installed";
  if (!kubectlAvailable()) return "kubectl is not installed";
  const help = spawnSync(process.execPath, [...TUG_NODE_FLAGS, TUG, "apiserver", "--help"], { encoding: "utf8" }).stdout;
  return help.includes("--etcd-servers") ? false : "tug apiserver has no --store etcd yet";
})();

interface Proc {
  child: ChildProcess;
  out: string[];
  logged(msg: string): boolean;
}

function run(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const out: string[] = [];
  child.stdout!.on("data", (d: Buffer) => out.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => out.push(d.toString()));
  return { child, out, logged: (msg) => out.join("").includes(msg) };
}

/** A port free on every address given (each API server listens on its own address, all on one port). */
async function freePort(hosts: string[]): Promise<number> {
  for (;;) {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, hosts[0], r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    let free = true;
    for (const host of hosts.slice(1)) {
      const s = createServer();
      free = await new Promise<boolean>((r) => s.once("error", () => r(false)).listen(port, host, () => r(true)));
      if (free) await new Promise((r) => s.close(r));
      if (!free) break;
    }
    if (free) return port;
  }
}

describe("two tug apiservers on one etcd", { skip: ready }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tug-two-api-"));
  const kubeconfig = join(dir, "kubeconfig");
  const procs: Proc[] = [];
  const addresses = ["127.0.0.2", "127.0.0.3"];
  let port = 0;
  const kubectl = (server: string, ...args: string[]) => spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, "--server", server, ...args], { encoding: "utf8" });
  const apis: Proc[] = [];

  before(async () => {
    const [client, peer] = [await freePort(["127.0.0.1"]), await freePort(["127.0.0.1"])];
    const etcd = run(ETCD, [
      "--data-dir", join(dir, "etcd"), "--listen-client-urls", `http://127.0.0.1:${client}`, "--advertise-client-urls", `http://127.0.0.1:${client}`,
      "--listen-peer-urls", `http://127.0.0.1:${peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`, "--initial-cluster", `default=http://127.0.0.1:${peer}`,
    ]);
    procs.push(etcd);
    await eventually("etcd to serve", () => etcd.logged("ready to serve client requests"), 30_000, () => etcd.out.join("").slice(-2000));
    port = await freePort(addresses);
    for (const address of addresses) {
      const api = run(process.execPath, [
        ...TUG_NODE_FLAGS, TUG, "apiserver", "--data-dir", dir, "--store", "etcd", "--etcd-servers", `http://127.0.0.1:${client}`,
        "--bind-address", address, "--advertise-address", address, "--secure-port", String(port), "--logging-format", "json",
      ]);
      procs.push(api);
      apis.push(api);
      // One after the other: the second finds the first's PKI in the shared data dir.
      await eventually(`the API server on ${address}`, () => api.logged("API server is up"), 60_000, () => api.out.join("").slice(-2000));
    }
  });
  after(() => {
    for (const p of procs) p.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("the kubernetes Endpoints name both API servers; one killed with SIGKILL drops out, and a node agent given both carries on through the other", async () => {
    const [a, b] = addresses.map((ip) => `https://${ip}:${port}`) as [string, string];
    const endpoints = (server: string) => kubectl(server, "get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[*].addresses[*].ip}").stdout.trim();
    await eventually("both API servers in the kubernetes Endpoints", () => endpoints(a) === addresses.join(" "), 30_000);
    assert.equal(kubectl(b, "-n", "kube-system", "get", "lease", "-l", "apiserver.kubernetes.io/identity=kube-apiserver", "-o", "name").status, 0);

    const managers = [start(["controller-manager", "--kubeconfig", kubeconfig, "--port", "0"]), start(["scheduler", "--kubeconfig", kubeconfig])];
    const node = start(["node", "--kubeconfig", kubeconfig, "--name", "sim-1", "--runtime", "simulated", "--server", `${a},${b}`]);
    procs.push(...managers, node);
    await eventually("node sim-1", () => kubectl(b, "get", "node", "sim-1").status === 0, 30_000);

    apis[0]!.child.kill("SIGKILL");
    const killedAt = Date.now();
    await eventually("the dead API server to leave the kubernetes Endpoints", () => endpoints(b) === addresses[1], 40_000);
    process.stdout.write(`the dead API server left the kubernetes Endpoints after ${Date.now() - killedAt} ms\n`);
    assert.equal(kubectl(b, "run", "after", "--image", "nginx").status, 0);
    await eventually("a pod created after the kill Running on the node agent that lost its first API server", () =>
      kubectl(b, "get", "pod", "after", "-o", "jsonpath={.status.phase}").stdout === "Running", 60_000);
  });

  /** `tug …` against the API servers (their kubeconfig names the one that wrote it last; the node agent gets both). */
  function start(args: string[]): Proc {
    return run(process.execPath, [...TUG_NODE_FLAGS, TUG, ...args, "--logging-format", "json"]);
  }
});
