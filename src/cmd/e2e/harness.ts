import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TUG_NODE_FLAGS } from "../node-flags.js";

/** Real etcd members for `tug up --store etcd` (here for the suites that may only import this harness). */
export { EtcdCluster } from "../../store/etcd/testing.js";

/** bin/tug.js, as `npx tug` runs it. */
export const TUG = fileURLToPath(new URL("../../../../bin/tug.js", import.meta.url));

export const KUBECTL = process.env.KUBECTL || "kubectl";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  /** An existing data dir to start on (kept after stop); default: a fresh temporary one (removed). */
  dataDir?: string;
  /**
   * Start `tug up` from a fresh temporary working directory with the relative `--data-dir .tug`, as
   * README's `npx tug up --data-dir .tug` does (`dataDir` is then the absolute path it resolves to).
   */
  relativeDataDir?: boolean;
  /** Environment variables for `tug up` on top of this process's (e.g. KUBECONFIG). */
  env?: Record<string, string>;
}

/**
 * A /16 for one harness cluster's --cluster-cidr, held by a lock file (with this process's pid) in the temp
 * dir until `release`: test files run in parallel processes (--test-concurrency 2), and two clusters on one
 * host must not hand out the same pod subnets (their bridges' routes would shadow each other). 10.64–10.87:
 * clear of tug up's default 10.88.0.0/16, the 10.96.0.0/12 service range, the tests' own service ranges
 * (10.128 and up) and simulated nodes' 10.244. Node bridges (`tug…` devices) left in a /16 by a run that was
 * killed are deleted once its lock is ours; a /16 some other device of this host is in is skipped.
 * The same lock gives the cluster a service range of its own, 10.(k+96).0.0/16 (10.160–10.183): clusters
 * on one host with one service range would put the same cluster IPs (10.96.0.1, the DNS's 10.96.0.10) on
 * the host's loopback, bind the same listeners and remove each other's addresses.
 */
function reserveClusterCIDR(): { cidr: string; serviceCIDR: string; release(): void } {
  let addresses = "";
  try {
    addresses = execFileSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8" });
  } catch { /* no iproute2: rely on the locks */ }
  for (let k = 64; k < 88; k++) {
    const devices = [...addresses.matchAll(new RegExp(`^\\d+: (\\S+)\\s+inet 10\\.${k}\\.`, "gm"))].map((m) => m[1]!);
    if (devices.some((d) => !d.startsWith("tug"))) continue;
    const lock = join(tmpdir(), `tug-e2e-cluster-cidr-10.${k}.lock`);
    if (!takeLock(lock)) continue;
    try {
      for (const device of devices) execFileSync("ip", ["link", "delete", device], { stdio: "ignore" });
    } catch {
      rmSync(lock, { force: true });
      continue;
    }
    return { cidr: `10.${k}.0.0/16`, serviceCIDR: `10.${k + 96}.0.0/16`, release: () => rmSync(lock, { force: true }) };
  }
  throw new Error("no free /16 left in 10.64.0.0–10.87.0.0 for a test cluster's --cluster-cidr");
}

/** Creates `lock` with this process's pid; a lock whose process is gone is taken over. */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return true;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(lock, "utf8"));
      } catch { /* removed meanwhile: try again */ }
      if (alive(owner)) return false;
      rmSync(lock, { force: true });
    }
  }
  return false;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How a harness cluster's `tug up` is launched: its data dir flag, working directory and extra flags. */
interface Launch {
  dataDirFlag: string;
  cwd?: string;
  env?: Record<string, string>;
  extraArgs: string[];
}

type TugProcess = ChildProcess & { stderrText?: string; stdoutText?: string };

/** A `tug up` started in a fresh data dir on a free port, driven with real kubectl. */
export class Cluster {
  private constructor(
    readonly dataDir: string,
    private proc: TugProcess,
    private readonly launchWith: Launch,
    private readonly removeOnStop: string | undefined,
    private readonly releaseCIDR: () => void,
  ) {}

  /** The --cluster-cidr this cluster's node pod CIDRs come from. */
  get clusterCIDR(): string | undefined {
    const args = this.launchWith.extraArgs;
    const i = args.indexOf("--cluster-cidr");
    return i < 0 ? undefined : args[i + 1];
  }

  /** What `tug up` has written to stderr (its structured log). */
  get log(): string {
    return this.proc.stderrText ?? "";
  }

  /** What `tug up` has written to stdout (what it tells its user). */
  get output(): string {
    return this.proc.stdoutText ?? "";
  }

  /** `tug up`'s log lines (JSON, since its stderr is a pipe), parsed. */
  logEntries(): Array<Record<string, unknown>> {
    return this.log.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  get kubeconfig(): string {
    return join(this.dataDir, "kubeconfig");
  }

  static async start(extraArgs: string[] = [], opts: StartOptions = {}): Promise<Cluster> {
    const fresh = opts.dataDir === undefined ? mkdtempSync(join(tmpdir(), "tug-e2e-")) : undefined;
    const range = extraArgs.includes("--cluster-cidr") ? { cidr: undefined, serviceCIDR: undefined, release: () => {} } : reserveClusterCIDR();
    const args = [
      ...(range.cidr ? ["--cluster-cidr", range.cidr] : []),
      ...(range.serviceCIDR && !extraArgs.includes("--service-cluster-ip-range") ? ["--service-cluster-ip-range", range.serviceCIDR] : []),
      ...extraArgs,
    ];
    const launch: Launch = opts.relativeDataDir
      ? { dataDirFlag: ".tug", cwd: fresh, env: opts.env, extraArgs: args }
      : { dataDirFlag: opts.dataDir ?? fresh!, env: opts.env, extraArgs: args };
    const dir = opts.relativeDataDir ? join(fresh!, ".tug") : launch.dataDirFlag;
    try {
      const proc = await Cluster.launch(dir, launch);
      return new Cluster(dir, proc, launch, fresh, range.release);
    } catch (err) {
      range.release();
      throw err;
    }
  }

  private static async launch(dir: string, launch: Launch): Promise<TugProcess> {
    rmSync(join(dir, "kubeconfig"), { force: true });
    const args = [...TUG_NODE_FLAGS, TUG, "up", "--data-dir", launch.dataDirFlag, "--port", "0", "--controller-manager-port", "0", ...launch.extraArgs];
    const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], cwd: launch.cwd, env: { ...process.env, ...launch.env } });
    const withLog = proc as ChildProcess & { stderrText: string; stdoutText: string };
    withLog.stderrText = "";
    withLog.stdoutText = "";
    proc.stderr!.on("data", (d: Buffer) => (withLog.stderrText += d.toString()));
    proc.stdout!.on("data", (d: Buffer) => (withLog.stdoutText += d.toString()));
    const log = () => withLog.stderrText;
    const deadline = Date.now() + 15_000;
    while (!existsSync(join(dir, "kubeconfig"))) {
      if (proc.exitCode !== null) throw new Error(`tug up exited with ${proc.exitCode}: ${log()}`);
      if (Date.now() > deadline) {
        // Not left behind holding its bridge, its cluster IPs and (on containerd) a containerd of its own.
        proc.kill("SIGTERM");
        throw new Error(`tug up did not write a kubeconfig in 15 s: ${log()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return withLog;
  }

  /** Stops with SIGTERM and starts again on the same data dir. */
  async restart(): Promise<void> {
    await this.stopProcess();
    this.proc = await Cluster.launch(this.dataDir, this.launchWith);
  }

  kubectl(args: string[], input?: string, env?: Record<string, string>): KubectlResult {
    const r = spawnSync(KUBECTL, ["--kubeconfig", this.kubeconfig, ...args], { input, encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** kubectl without blocking the event loop, for tests that do something else while it runs. */
  kubectlAsync(args: string[]): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = spawn(KUBECTL, ["--kubeconfig", this.kubeconfig, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** Runs kubectl and fails with its stderr unless it exits 0. */
  ok(args: string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  json<T = Record<string, unknown>>(args: string[]): T {
    return JSON.parse(this.ok([...args, "-o", "json"])) as T;
  }

  private async stopProcess(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    await exited;
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    this.releaseCIDR();
    if (this.removeOnStop) rmSync(this.removeOnStop, { recursive: true, force: true });
  }
}

export function kubectlAvailable(): boolean {
  return spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" }).status === 0;
}

/** Table output split into rows of whitespace-separated cells, header first. */
export function rows(table: string): string[][] {
  return table.trim().split("\n").map((line) => line.trim().split(/\s{2,}|\t/));
}

/**
 * Polls `probe` every 100 ms until it holds, failing after `ms`; the error carries what `explain` says then
 * (say, `kubectl describe`), so a failure on a machine nobody can look at tells what it saw.
 */
export async function eventually(what: string, probe: () => boolean, ms = 10_000, explain?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${explain ? `\n${safely(explain)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function safely(explain: () => string): string {
  try {
    return explain();
  } catch (err) {
    return `(and explaining failed: ${(err as Error).message})`;
  }
}

/** True when pods can get their own network namespaces here (root on Linux with the CNI plugins). */
export function canIsolate(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/lib/cni/bridge");
}
