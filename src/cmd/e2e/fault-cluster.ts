import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { eventually, KUBECTL, TUG, type KubectlResult } from "./harness.js";
import { EtcdCluster } from "../../store/etcd/testing.js";
import { EtcdClient } from "../../store/etcd/client.js";
import { loadKubeconfig, RestClient } from "../../client/rest.js";

/**
 * Upstream's leader election timings (15 s lease, 10 s renew deadline, 2 s retry), given as flags. Shorter
 * ones (4 s / 3 s / 500 ms) made leaders lose their Lease during the 1,000-pod rollout on a busy 2-core
 * machine (a renewal in flight for more than 3 s), each loss costing a lease duration.
 */
export const LEADER = { leaseMs: 15_000, renewDeadlineMs: 10_000, retryMs: 2_000 };
const LEADER_FLAGS = [
  "--leader-elect-lease-duration", `${LEADER.leaseMs}ms`, "--leader-elect-renew-deadline", `${LEADER.renewDeadlineMs}ms`,
  "--leader-elect-retry-period", `${LEADER.retryMs}ms`,
];

type LogLine = Record<string, unknown>;

/**
 * One `tug …` process, its JSON log kept as the last lines and the first line of each message. With
 * `supervised`, an exit the test did not cause starts it again (as systemd would: a controller manager or
 * scheduler exits when it loses its Lease, e.g. while etcd has no quorum).
 */
export class TugProcess {
  child!: ChildProcess;
  private tail: string[] = [];
  private firsts = new Map<string, LogLine>();
  private killed = false;
  restarts = 0;

  constructor(readonly name: string, private readonly args: string[], private readonly supervised = false) {
    this.start();
  }

  private start(): void {
    this.firsts = new Map();
    const child = spawn(process.execPath, [...TUG_NODE_FLAGS, TUG, ...this.args, "--logging-format", "json"], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    let rest = "";
    const take = (d: Buffer) => {
      rest += d.toString();
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
        try {
          const entry = JSON.parse(line) as LogLine;
          if (typeof entry.msg === "string" && !this.firsts.has(entry.msg)) this.firsts.set(entry.msg, entry);
        } catch { /* not JSON */ }
      }
    };
    child.stdout!.on("data", take);
    child.stderr!.on("data", take);
    child.once("exit", () => {
      if (this.supervised && !this.killed) {
        this.restarts++;
        this.start();
      }
    });
  }

  /** The first log line with this message since the process (re)started. */
  logged(msg: string): LogLine | undefined {
    return this.firsts.get(msg);
  }

  /** The last log lines, for failure messages. */
  lastLines(n = 20): string {
    return `${this.name}:\n${this.tail.slice(-n).join("\n")}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it again with the same flags (after `kill9`). */
  restart(): void {
    if (this.alive) return;
    this.killed = false;
    this.start();
  }

  /** kill -9 on the real pid, and waits for it to be gone; it is not started again. */
  async kill9(): Promise<void> {
    this.killed = true;
    if (!this.alive) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    process.kill(this.child.pid!, "SIGKILL");
    await exited;
  }
}

/** A port free on every address given (each API server listens on its own address, all on one port). */
async function freePort(hosts: string[]): Promise<number> {
  for (;;) {
    const first = createServer();
    await new Promise<void>((r) => first.listen(0, hosts[0], r));
    const port = (first.address() as { port: number }).port;
    let free = true;
    for (const host of hosts.slice(1)) {
      const s = createServer();
      free = await new Promise<boolean>((r) => s.once("error", () => r(false)).listen(port, host, () => r(true)));
      if (free) await new Promise((r) => s.close(r));
      if (!free) break;
    }
    await new Promise((r) => first.close(r));
    if (free) return port;
  }
}

export interface FaultClusterOptions {
  /** Simulated nodes (one `tug node --runtime simulated` each) and the pods each takes (--max-pods). */
  nodes: number;
  maxPods: number;
}

/**
 * Issue 26's fault fixture, every part a real process: a 3-member etcd on loopback, two `tug apiserver`s
 * (127.0.0.2 and 127.0.0.3, one port), two `tug controller-manager`s and two `tug scheduler`s (leader-elected,
 * supervised, with LEADER's timings) and simulated nodes, each client given both API servers.
 */
export class FaultCluster {
  readonly apis: TugProcess[] = [];
  readonly managers: TugProcess[] = [];
  readonly schedulers: TugProcess[] = [];
  readonly nodes: TugProcess[] = [];
  readonly urls: string[];
  readonly kubeconfig: string;

  private constructor(readonly etcd: EtcdCluster, private readonly dir: string, port: number) {
    this.urls = ["127.0.0.2", "127.0.0.3"].map((ip) => `https://${ip}:${port}`);
    this.kubeconfig = join(dir, "kubeconfig");
  }

  static async start(opts: FaultClusterOptions): Promise<FaultCluster> {
    const etcd = await EtcdCluster.start({ members: 3, parentDir: existsSync("/dev/shm") ? "/dev/shm" : undefined });
    const dir = mkdtempSync(join(tmpdir(), "tug-faults-"));
    const addresses = ["127.0.0.2", "127.0.0.3"];
    const c = new FaultCluster(etcd, dir, await freePort(addresses));
    try {
      const port = new URL(c.urls[0]!).port;
      for (const address of addresses) {
        const api = new TugProcess(`apiserver ${address}`, [
          "apiserver", "--data-dir", dir, "--store", "etcd", "--etcd-servers", etcd.endpoints.join(","), "--etcd-compaction-interval", "1h",
          "--bind-address", address, "--advertise-address", address, "--secure-port", port,
        ]);
        c.apis.push(api);
        // One after the other: the second finds the first's PKI in the shared data dir.
        await eventually(`the API server on ${address}`, () => api.logged("API server is up") !== undefined, 60_000, () => api.lastLines());
      }
      const servers = c.urls.join(",");
      for (let i = 0; i < 2; i++) {
        c.managers.push(new TugProcess(`controller-manager ${i}`, ["controller-manager", "--kubeconfig", c.kubeconfig, "--server", servers, "--port", "0", ...LEADER_FLAGS], true));
        c.schedulers.push(new TugProcess(`scheduler ${i}`, ["scheduler", "--kubeconfig", c.kubeconfig, "--server", servers, ...LEADER_FLAGS], true));
      }
      for (let i = 0; i < opts.nodes; i++) {
        c.nodes.push(new TugProcess(`node sim-${i}`, [
          "node", "--kubeconfig", c.kubeconfig, "--server", servers, "--name", `sim-${i}`, "--runtime", "simulated", "--max-pods", String(opts.maxPods),
        ]));
      }
      await eventually("a leading controller manager and scheduler, and every node Ready", () =>
        c.managers.some((m) => m.logged("Successfully acquired lease")) && c.schedulers.some((s) => s.logged("Successfully acquired lease")) &&
        c.kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}"]).stdout.split(" ").filter((s) => s === "True").length === opts.nodes,
      60_000, () => c.processes.map((p) => p.lastLines(5)).join("\n"));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  get processes(): TugProcess[] {
    return [...this.apis, ...this.managers, ...this.schedulers, ...this.nodes];
  }

  /** Waits until `p`, started again, logs `msg` (its "is up" or "Attempting to acquire leader lease"). */
  async restarted(p: TugProcess, msg: string): Promise<void> {
    p.restart();
    await eventually(`${p.name} started again`, () => p.logged(msg) !== undefined, 60_000, () => p.lastLines());
  }

  /** Real kubectl given one API server (default: the first still alive). */
  kubectl(args: string[], server = this.liveUrl()): KubectlResult {
    const r = spawnSync(KUBECTL, ["--kubeconfig", this.kubeconfig, "--server", server, ...args], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  ok(args: string[], server?: string): string {
    const r = this.kubectl(args, server);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** The URL of the first API server still running. */
  liveUrl(): string {
    const i = this.apis.findIndex((a) => a.alive);
    return this.urls[Math.max(0, i)]!;
  }

  /** The harness's own client, given both API servers (it moves to the next when one can't be reached). */
  client(): RestClient {
    const config = loadKubeconfig(this.kubeconfig);
    return new RestClient({ ...config, server: this.urls[0]!, servers: this.urls });
  }

  /** The index of the etcd member that leads now, from each live member's Status (etcdctl endpoint status). */
  async etcdLeader(): Promise<number> {
    const client = new EtcdClient({ endpoints: this.etcd.endpoints, timeoutMs: 2_000 });
    try {
      for (let i = 0; i < this.etcd.endpoints.length; i++) {
        try {
          const status = await client.status(i);
          if (status.leader !== 0n && status.leader === status.header?.memberId) return i;
        } catch { /* this member is down */ }
      }
      throw new Error("no etcd member leads");
    } finally {
      client.close();
    }
  }

  /** The process among `candidates` that holds the kube-system Lease `name` now. */
  holder(name: string, candidates: TugProcess[]): TugProcess | undefined {
    const identity = this.kubectl(["-n", "kube-system", "get", "lease", name, "-o", "jsonpath={.spec.holderIdentity}"]).stdout;
    return candidates.find((p) => p.alive && p.logged("Successfully acquired lease")?.identity === identity);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill9()));
    await this.etcd.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
