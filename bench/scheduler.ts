import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../src/api/types.js";
import { SERVICE_CIDR } from "../src/apiserver/services/allocations.js";
import { Informer } from "../src/client/informer.js";
import type { RestClient } from "../src/client/rest.js";
import { SharedInformers } from "../src/client/shared-informers.js";
import { CONFIGMAPS, NODES, PODS } from "../src/client/resources.js";
import { TUG_UP_BIND_CONCURRENCY } from "../src/cmd/components.js";
import { startTug } from "../src/cmd/up.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import type { Figure } from "./figure.js";
import { fromRuns, reported } from "./figure.js";
import { TugProcess, until } from "./harness.js";

/** Scenario 3: scheduling throughput at 100, 1,000 and 5,000 simulated nodes. */
export async function schedulerBenchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const nodes of [100, 1000, 5000]) figures.push(...(await overHttps(nodes)), ...(await inTugUp(nodes)));
  return figures;
}

/** Three rounds' pods stay bound: at 100 nodes (110 pods each) that caps a round at 3,666. */
const podsFor = (nodes: number) => Math.min(5000, Math.floor((nodes * 110) / 3));
const perRound = (nodes: number) => `${nodes.toLocaleString("en-US")} simulated nodes (3 × ${podsFor(nodes).toLocaleString("en-US")} pods)`;
const isReady = (n: KubeObject) => ((n.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * Issue 3's goal figure: the scheduler as `tug up` runs it — in the API server's process, on the
 * components' shared informers and in-process client, with as many binds in flight (upstream's
 * scheduler_perf, too, runs its scheduler in the API server's process). The `tug up` here is this
 * process's own (the same startTug as the command's), so the measured scheduler can start once its pods
 * exist, as scheduler_perf's does.
 */
async function inTugUp(nodes: number): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), "tug-bench-scheduler-"));
  const tug = await startTug({
    dataDir: dir, nodes, runtime: "simulated", store: "sqlite", port: 0, host: "127.0.0.1", controllerManagerPort: 0,
    nodeMonitorGracePeriodMs: 40_000, serviceClusterIPRange: SERVICE_CIDR, defaultNotReadyTolerationSeconds: 300, defaultUnreachableTolerationSeconds: 300,
  }, () => {});
  try {
    const nodeLister = tug.informers.for(NODES).lister();
    await until(`${nodes} Ready nodes`, async () => nodeLister.list().filter(isReady).length >= nodes, 120_000);
    const rates = await bindingRates(tug.client, podsFor(nodes), async () => ({ informers: tug.informers, stopped: Promise.resolve() }), TUG_UP_BIND_CONCURRENCY);
    const goal = nodes === 1000;
    return [fromRuns(`pods bound/s on ${perRound(nodes)}, tug up's scheduler (in process)`, rates, "pods/s", goal ? "≥ 2000/s" : "(reported)", (v) => !goal || v >= 2000)];
  } finally {
    await tug.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How long `tug up --nodes N` takes to have N Ready nodes, and how fast a scheduler in another process
 * binds pods onto them over HTTPS: a figure for the API server as much as the scheduler (two requests a
 * pod, the bind and its event).
 */
async function overHttps(nodes: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  const tug = await TugProcess.start(["--nodes", String(nodes), "--runtime", "simulated"]);
  const client = tug.client();
  try {
    const t0 = performance.now() - tug.readyMs;
    // Counted from a watch: listing thousands of nodes every 50 ms would load the server being measured.
    const nodeWatch = new Informer(client, { resource: NODES });
    const stopNodes = new AbortController();
    const watchingNodes = nodeWatch.run(stopNodes.signal);
    await until(`${nodes} Ready nodes`, async () => nodeWatch.lister().list().filter(isReady).length >= nodes, 120_000);
    const nodesReady = performance.now() - t0;
    stopNodes.abort();
    await watchingNodes;
    figures.push(reported(`tug up --nodes ${nodes} --runtime simulated → all nodes Ready`, [nodesReady], "ms", { detail: `RSS ${(tug.rssBytes() / 2 ** 20).toFixed(0)} MiB` }));
    // The measured scheduler's own informers, listed afresh each round (a second watch would add a stream
    // to the server being measured).
    const rates = await bindingRates(client, podsFor(nodes), async (signal) => {
      const informers = new SharedInformers(client);
      const stopped = informers.run(signal);
      await informers.waitForSync();
      return { informers, stopped };
    });
    figures.push(reported(`pods bound/s on ${perRound(nodes)}, a scheduler in another process (HTTPS)`, rates, "pods/s"));
  } finally {
    client.close();
    await tug.stop();
  }
  return figures;
}

/**
 * Three rounds: pods created beforehand for a scheduler of their own (as upstream's scheduler_perf
 * pre-creates pods), then the rate at which that scheduler binds them, counted from its own pod informer.
 */
async function bindingRates(
  client: RestClient,
  pods: number,
  informersFor: (signal: AbortSignal) => Promise<{ informers: SharedInformers; stopped: Promise<void> }>,
  bindConcurrency?: number,
): Promise<number[]> {
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const name = `bench-scheduler-${round}`;
    // The pods share a real owner (so the scheduler spreads them, and the garbage collector, finding the
    // owner present, leaves them alone); a ConfigMap, because a ReplicaSet would manage them.
    const owner = await client.create(CONFIGMAPS, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `bench-owner-${round}` } });
    const ownerRef = { apiVersion: "v1", kind: "ConfigMap", name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true };
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < pods) {
        const i = next++;
        await client.create(PODS, "default", {
          apiVersion: "v1", kind: "Pod", metadata: { name: `s${round}-${i}`, labels: { round: String(round) }, ownerReferences: [ownerRef] },
          spec: { schedulerName: name, containers: [{ name: "c", image: "ikubernetes/myapp:v1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
        });
      }
    }));
    const stop = new AbortController();
    const { informers, stopped } = await informersFor(stop.signal);
    const scheduler = new Scheduler(client, { schedulerName: name, informers, ...(bindConcurrency ? { bindConcurrency } : {}) });
    const counted = new Set<string>();
    let allBound!: () => void;
    const done = new Promise<void>((r) => (allBound = r));
    const count = (p: KubeObject) => {
      if (p.metadata.labels?.round === String(round) && (p.spec as { nodeName?: string }).nodeName && !counted.has(p.metadata.name!)) {
        counted.add(p.metadata.name!);
        if (counted.size === pods) allBound();
      }
    };
    const uncount = informers.for(PODS).on({ add: count, update: (_o, p) => count(p) });
    // Measured from when the scheduler's informers have listed its pods and nodes: the figure is its binding
    // rate, not how long a list of up to 15,000 pods takes (scheduler_perf, too, samples a running scheduler).
    const started = performance.now();
    const running = scheduler.run(stop.signal);
    try {
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`Timed out waiting for ${pods} pods bound`)), 120_000).unref())]);
      rates.push(pods / ((performance.now() - started) / 1000));
    } finally {
      uncount();
      stop.abort();
      await Promise.all([running, stopped]);
    }
  }
  return rates;
}
