import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { RestClient } from "../src/client/rest.js";
import { TUG_NODE_FLAGS } from "../src/cmd/node-flags.js";

const TUG = fileURLToPath(new URL("../../bin/tug.js", import.meta.url));

export interface Endpoint {
  host: string;
  port: number;
  ca: string;
  token: string;
}

/** A started `tug up` in a fresh data dir, and how to reach it. */
export class TugProcess {
  private constructor(readonly dir: string, readonly proc: ChildProcess, readonly endpoint: Endpoint, readonly readyMs: number, private readonly logHead: () => string) {}

  /** A client of the started cluster, with its CA and the admin token. */
  client(): RestClient {
    const ep = this.endpoint;
    return new RestClient({ server: `https://${ep.host}:${ep.port}`, token: ep.token, ca: ep.ca });
  }

  /** The controller manager's /metrics URL, as `tug up` logs it. */
  async metricsUrl(): Promise<string> {
    // One JSON object a line (stderr is a pipe); pino writes "msg" last.
    const url = /"url":"([^"]+)","msg":"Controller manager metrics"/;
    await until("the controller manager's metrics URL", async () => url.test(this.logHead()), 30_000);
    return url.exec(this.logHead())![1]!;
  }

  static async start(args: string[] = []): Promise<TugProcess> {
    const dir = mkdtempSync(join(tmpdir(), "tug-bench-"));
    const started = performance.now();
    const proc = spawn(process.execPath, [...TUG_NODE_FLAGS, ...(process.env.TUG_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), TUG, "up", "--data-dir", dir, "--port", "0", "--controller-manager-port", "0", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    // Forward the structured log, and keep its start (where `tug up` says what it serves).
    let head = "";
    proc.stderr!.on("data", (d: Buffer) => {
      process.stderr.write(d);
      if (head.length < 64 * 1024) head += d.toString();
    });
    const kubeconfig = join(dir, "kubeconfig");
    type Kubeconfig = { clusters?: Array<{ cluster: { server: string; "certificate-authority-data": string } }> } | null;
    // Until the file is there and whole (it may be read while tug up is still writing it).
    let cfg: Kubeconfig = null;
    while (!cfg?.clusters?.[0]) {
      if (proc.exitCode !== null) throw new Error(`tug up exited with ${proc.exitCode}`);
      await new Promise((r) => setTimeout(r, 2));
      // The kubeconfig's admin authenticates with a client certificate; the bench uses the static token, as before.
      try {
        if (existsSync(kubeconfig)) cfg = parse(readFileSync(kubeconfig, "utf8")) as Kubeconfig;
      } catch {
        // Half written: read it again.
      }
    }
    const url = new URL(cfg.clusters[0].cluster.server);
    const endpoint = { host: url.hostname, port: Number(url.port), ca: Buffer.from(cfg.clusters[0].cluster["certificate-authority-data"], "base64").toString(), token: readFileSync(join(dir, "pki", "admin.token"), "utf8").trim() };
    const client = new Client(endpoint, 1);
    while ((await client.call("GET", "/readyz").catch(() => ({ status: 0 }))).status !== 200) await new Promise((r) => setTimeout(r, 2));
    const readyMs = performance.now() - started;
    client.close();
    return new TugProcess(dir, proc, endpoint, readyMs, () => head);
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }

  rssBytes(): number {
    return rssOf(this.proc.pid!);
  }

  /**
   * A `tug controller-manager` of its own against this cluster (no leader election: tug up's controllers
   * don't take the lease), once its controllers have synced: what the controllers alone cost.
   */
  async controllerManager(): Promise<{ pid: number; stop(): Promise<void> }> {
    const proc = spawn(process.execPath, [...TUG_NODE_FLAGS, TUG, "controller-manager", "--kubeconfig", join(this.dir, "kubeconfig"), "--port", "0", "--leader-elect", "false"], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    proc.stderr!.on("data", (d: Buffer) => {
      if (log.length < 64 * 1024) log += d.toString();
    });
    const stop = async () => {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    };
    try {
      const port = () => /"metrics":"http:\/\/0\.0\.0\.0:(\d+)/.exec(log)?.[1];
      await until("the controller manager's metrics", async () => port() !== undefined, 30_000);
      const url = `http://127.0.0.1:${port()}/metrics`;
      // The ReplicaSet controller syncs once its informers (every pod among them) have synced.
      const synced = async () => /controller_sync_duration_seconds_count\{name="replicaset-controller"\} [1-9]/.test(await (await fetch(url)).text());
      await until("the controller manager's first ReplicaSet sync", synced, 120_000);
    } catch (err) {
      await stop();
      throw err;
    }
    return { pid: proc.pid!, stop };
  }

  /** The RSS of `tug up` and every process below it (pods of the process runtime, their helpers). */
  treeRssBytes(): number {
    return treeRss(this.proc.pid!);
  }
}

/** The CPU time (user + system) a process has used so far, in ms, from /proc (clock ticks of 10 ms); 0 once it has gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // utime and stime are the 14th and 15th fields; the command name in parentheses may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** A process's resident set size in bytes; 0 once it has gone. */
export function rssOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
  } catch {
    return 0;
  }
}

/** The summed RSS of a process and all its descendants, from /proc. */
export function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 2nd field after the parenthesised command name (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += rssOf(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** A keep-alive HTTPS client with the admin token. */
export class Client {
  private readonly agent: Agent;

  constructor(private readonly ep: Endpoint, sockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, ca: ep.ca });
  }

  call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ host: this.ep.host, port: this.ep.port, method, path, agent: this.agent, headers: {
        Authorization: `Bearer ${this.ep.token}`, Accept: "application/json",
        ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}),
      } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Opens a watch; `onLine` gets each event line; resolves once the response headers arrive. */
  watch(path: string, onLine: (line: string) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = request({ host: this.ep.host, port: this.ep.port, method: "GET", path, agent: this.agent, headers: { Authorization: `Bearer ${this.ep.token}` } }, (res) => {
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            onLine(buffer.slice(0, nl));
            buffer = buffer.slice(nl + 1);
          }
        });
        res.on("error", () => {});
        resolve(() => req.destroy());
      });
      req.on("error", (err) => {
        if ((err as NodeJS.ErrnoException).code !== "ECONNRESET") reject(err);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Polls `probe` every 100 ms until it holds; returns how long that took (ms). */
export async function until(what: string, probe: () => Promise<boolean>, ms: number): Promise<number> {
  const began = performance.now();
  while (!(await probe())) {
    if (performance.now() - began > ms) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - began;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The buckets of one histogram series in Prometheus' text format (`labels`: its other labels, e.g. `name="x"`): upper bound → cumulative count. */
export function buckets(text: string, metric: string, labels = ""): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${metric}_bucket\\{le="([^"]+)"${labels ? `,${labels}` : ""}\\} (\\d+)$`, "gm");
  for (const m of text.matchAll(re)) out.set(m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2]));
  return out;
}

/** histogram_quantile over the difference of two snapshots: linear within the bucket, as Prometheus. */
export function quantile(q: number, before: Map<number, number>, after: Map<number, number>): { value: number; count: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!, below = i === 0 ? 0 : counts[i - 1]!;
      if (bounds[i] === Infinity) return { value: lower, count: total };
      return { value: lower + (bounds[i]! - lower) * ((rank - below) / Math.max(1, counts[i]! - below)), count: total };
    }
  }
  return { value: NaN, count: total };
}
