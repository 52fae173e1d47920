import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeObject } from "../src/api/types.js";
import { DEPLOYMENTS, PODS, SERVICES } from "../src/client/resources.js";
import { fromRuns, median, MiB, rounds, type Figure } from "./figure.js";
import { rssOf, treeRss, TugProcess, until } from "./harness.js";
import { answers, Load } from "./load.js";
import { rolledOut } from "./scale.js";

const INSTANCES = 50;
const ROUNDS = 3;
/** The built-in demo image's server: what `ikubernetes/demoapp:v1.0` runs in Tugboat's process runtime. */
const DEMO_APP = fileURLToPath(new URL("../src/node/runtime/process/demo-app.js", import.meta.url));
const DEMO_ENV = { TUG_DEMO_FLAVOR: "demoapp", TUG_DEMO_VERSION: "v1.0", TUG_DEMO_IMAGE: "ikubernetes/demoapp:v1.0" };

/** One round on one side: seconds until all 50 answer, the manager's RSS, and a rolling restart under load. */
interface Round {
  startS: number;
  managerRss: number;
  treeRss: number;
  restartS: number;
  requests: number;
  failed: number;
  failures: string[];
}

/** Runs traffic while `restart` runs, and 2 s after (late failures of draining instances count too). */
async function underLoad(host: string, port: number, restart: () => Promise<void>): Promise<Pick<Round, "restartS" | "requests" | "failed" | "failures">> {
  const load = new Load(host, port);
  await new Promise((r) => setTimeout(r, 1000));
  const began = performance.now();
  await restart();
  const restartS = (performance.now() - began) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const { ok, failed, failures } = await load.stop();
  return { restartS, requests: ok + failed, failed, failures };
}

function webDeployment(): KubeObject {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
    spec: {
      replicas: INSTANCES, selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "ikubernetes/demoapp:v1.0", ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { path: "/readyz", port: 80 }, periodSeconds: 1 } }] },
      },
    },
  };
}

/** Tugboat: a Deployment of 50 with readiness probes behind a Service, on `tug up`'s process runtime. */
async function tugboatRounds(): Promise<Round[]> {
  if (process.getuid?.() !== 0) throw new Error("the process-runtime comparison needs root (pod IPs and cluster IPs)");
  const tug = await TugProcess.start(["--nodes", "1", "--runtime", "process", "--service-cluster-ip-range", "10.130.0.0/16"]);
  const client = tug.client();
  try {
    const svc = await client.create(SERVICES, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] } });
    const clusterIP = (svc.spec as { clusterIP: string }).clusterIP;
    const podIPs = async () => (await client.list(PODS, "default", { labelSelector: "app=web" })).items
      .filter((p) => !p.metadata.deletionTimestamp).map((p) => (p.status as { podIP?: string } | undefined)?.podIP).filter((ip): ip is string => !!ip);
    return await rounds(ROUNDS, async () => {
      const answered = new Set<string>();
      const began = performance.now();
      await client.create(DEPLOYMENTS, "default", webDeployment());
      await until(`${INSTANCES} pods answering on their IPs`, async () => {
        await Promise.all((await podIPs()).filter((ip) => !answered.has(ip)).map(async (ip) => (await answers(ip, 80)) && answered.add(ip)));
        return answered.size >= INSTANCES;
      }, 300_000);
      const startS = (performance.now() - began) / 1000;
      const available = rolledOut(client, "web", INSTANCES);
      await until("the Deployment available", available, 120_000);
      const managerRss = tug.rssBytes();
      const tree = tug.treeRssBytes();
      // `kubectl rollout restart`: a new template annotation, then wait for the rollout to complete.
      const restart = await underLoad(clusterIP, 80, async () => {
        const at = new Date().toISOString();
        await client.patch(DEPLOYMENTS, "default", "web", "strategic", { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } } });
        await until("the restart rolled out", available, 300_000);
      });
      await client.delete(DEPLOYMENTS, "default", "web", { propagationPolicy: "Foreground" });
      await until("every pod gone", async () => (await client.list(PODS, "default", { labelSelector: "app=web" })).items.length === 0, 120_000);
      return { startS, managerRss, treeRss: tree, ...restart };
    });
  } finally {
    client.close();
    await tug.stop();
  }
}

type Pm2 = typeof import("pm2");

/** The pm2 module, bound to its own PM2_HOME (read when the module loads). */
function loadPm2(home: string): Pm2 {
  process.env.PM2_HOME = home;
  return createRequire(import.meta.url)("pm2") as Pm2;
}

function call<T>(fn: (cb: (err: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

/** PM2: the same server, 50 instances in fork mode (one port each) to start, in cluster mode for `pm2 reload`. */
async function pm2Rounds(): Promise<Round[]> {
  const home = mkdtempSync(join(tmpdir(), "tug-bench-pm2-"));
  const pm2 = loadPm2(home);
  await call<void>((cb) => pm2.connect((err) => cb(err ?? null, undefined)));
  const daemonPid = Number(readFileSync(join(home, "pm2.pid"), "utf8"));
  const app = (name: string, mode: "fork" | "cluster", port: number) => {
    const file = join(home, `${name}.json`);
    // Fork mode: a port each (increment_var). Cluster mode: all on one port, shared through PM2's master.
    // kill_signal SIGTERM: the demo server drains on SIGTERM, as it does under Tugboat.
    const spread = mode === "fork" ? { increment_var: "PORT" } : {};
    writeFileSync(file, JSON.stringify({ apps: [{ name, script: DEMO_APP, instances: INSTANCES, exec_mode: mode, ...spread, kill_signal: "SIGTERM", env: { ...DEMO_ENV, PORT: String(port) } }] }));
    return file;
  };
  try {
    return await rounds(ROUNDS, async () => {
      const base = 21000;
      const began = performance.now();
      await call((cb) => pm2.start(app("web", "fork", base), cb));
      const answered = new Set<number>();
      await until(`${INSTANCES} PM2 instances answering on their ports`, async () => {
        await Promise.all(Array.from({ length: INSTANCES }, (_, i) => base + i).filter((p) => !answered.has(p)).map(async (p) => (await answers("127.0.0.1", p)) && answered.add(p)));
        return answered.size >= INSTANCES;
      }, 120_000);
      const startS = (performance.now() - began) / 1000;
      const managerRss = rssOf(daemonPid);
      const tree = treeRss(daemonPid);
      await call((cb) => pm2.delete("web", cb));

      const port = 21100;
      await call((cb) => pm2.start(app("web-cluster", "cluster", port), cb));
      await until("the PM2 cluster answering", () => answers("127.0.0.1", port), 120_000);
      const restart = await underLoad("127.0.0.1", port, () => call((cb) => pm2.reload("web-cluster", cb)).then(() => undefined));
      await call((cb) => pm2.delete("web-cluster", cb));
      return { startS, managerRss, treeRss: tree, ...restart };
    });
  } finally {
    await call((cb) => pm2.killDaemon(cb)).catch(() => undefined);
    pm2.disconnect();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Scenario 4: Tugboat's process runtime side by side with PM2, the same 50 servers, each side's own way. */
export async function pm2Benchmarks(): Promise<Figure[]> {
  const pm2 = await pm2Rounds();
  const tug = await tugboatRounds();
  const peer = (name: string, pick: (r: Round) => number, unit: string) => ({ name, value: median(pm2.map(pick)), unit });
  const pm2Start = peer("PM2, fork mode, one port each", (r) => r.startS, "s");
  const pm2Memory = peer("PM2's daemon", (r) => r.managerRss / MiB, "MiB");
  const failures = (rows: Round[]) => rows.reduce((s, r) => s + r.failed, 0);
  const requests = (rows: Round[]) => rows.reduce((s, r) => s + r.requests, 0);
  const samples = (rows: Round[]) => (failures(rows) > 0 ? ` (${rows.flatMap((r) => r.failures).join("; ")})` : "");
  return [
    fromRuns(`start ${INSTANCES} copies of the demo HTTP server until each answers on its own address`, tug.map((r) => r.startS), "s", "not slower than PM2", (v) => v <= pm2Start.value,
      { against: pm2Start, detail: "Tugboat: Deployment created → every pod IP answers (scheduling, network namespace, CNI, process)" }),
    fromRuns(`manager memory (RSS) with ${INSTANCES} running`, tug.map((r) => r.managerRss / MiB), "MiB", "within 2× of PM2's daemon", (v) => v <= 2 * pm2Memory.value,
      { against: pm2Memory, detail: `Tugboat: the whole tug up process (API server, SQLite, controllers, scheduler, node agent, proxy, DNS). With the ${INSTANCES} servers: Tugboat ${(tug[0]!.treeRss / MiB).toFixed(0)} MiB, PM2 ${(pm2[0]!.treeRss / MiB).toFixed(0)} MiB` }),
    fromRuns(`failed requests during a rolling restart of all ${INSTANCES} under load`, tug.map((r) => r.failed), "requests", "0", (v) => v === 0 && failures(tug) === 0,
      { detail: `Tugboat (rollout restart behind a Service, load on its cluster IP): ${failures(tug)} of ${requests(tug)} failed over ${ROUNDS} rounds${samples(tug)}; PM2 (pm2 reload, cluster mode): ${failures(pm2)} of ${requests(pm2)} failed${samples(pm2)}` }),
    fromRuns(`rolling restart of ${INSTANCES}, until complete`, tug.map((r) => r.restartS), "s", "(reported)", () => true, { against: peer("pm2 reload", (r) => r.restartS, "s") }),
  ];
}
