import type { KubeObject } from "../src/api/types.js";
import { Informer } from "../src/client/informer.js";
import { SharedInformers } from "../src/client/shared-informers.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import type { Figure } from "./figure.js";
import { fromRuns, reported } from "./figure.js";
import { TugProcess, until } from "./harness.js";
import { CONFIGMAPS, NODES, PODS } from "../src/client/resources.js";


/** Scenario 3: scheduling throughput at 100, 1,000 and 5,000 simulated nodes. */
export async function schedulerBenchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const nodes of [100, 1000, 5000]) figures.push(...(await schedulerOn(nodes)));
  return figures;
}

/**
 * Issue 3's figures: how long `tug up --nodes N` takes to have N Ready nodes, and how fast a scheduler
 * binds pods onto them. The measured scheduler is a second one in this process, serving pods created
 * beforehand for its own schedulerName (as upstream's scheduler_perf pre-creates pods).
 */
async function schedulerOn(nodes: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  // Three rounds' pods stay bound: at 100 nodes (110 pods each) that caps a round at 3,666.
  const pods = Math.min(5000, Math.floor((nodes * 110) / 3));
  const tug = await TugProcess.start(["--nodes", String(nodes), "--runtime", "simulated"]);
  const client = tug.client();
  try {
    const t0 = performance.now() - tug.readyMs;
    // Counted from a watch: listing thousands of nodes every 50 ms would load the server being measured.
    const nodeWatch = new Informer(client, { resource: NODES });
    const stopNodes = new AbortController();
    const watchingNodes = nodeWatch.run(stopNodes.signal);
    const ready = (n: KubeObject) => ((n.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    await until(`${nodes} Ready nodes`, async () => nodeWatch.lister().list().filter(ready).length >= nodes, 120_000);
    const nodesReady = performance.now() - t0;
    stopNodes.abort();
    await watchingNodes;
    figures.push(reported(`tug up --nodes ${nodes} --runtime simulated → all nodes Ready`, [nodesReady], "ms", { detail: `RSS ${(tug.rssBytes() / 2 ** 20).toFixed(0)} MiB` }));

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
      // Bound pods are counted from the measured scheduler's own pod informer: a second watch would add a
      // stream to the server being measured.
      const stop = new AbortController();
      const informers = new SharedInformers(client);
      const scheduler = new Scheduler(client, { schedulerName: name, informers });
      const counted = new Set<string>();
      let allBound!: () => void;
      const done = new Promise<void>((r) => (allBound = r));
      const count = (p: KubeObject) => {
        if (p.metadata.labels?.round === String(round) && (p.spec as { nodeName?: string }).nodeName && !counted.has(p.metadata.name!)) {
          counted.add(p.metadata.name!);
          if (counted.size === pods) allBound();
        }
      };
      informers.for(PODS).on({ add: count, update: (_o, p) => count(p) });
      // Measured from when the scheduler has listed its pods and nodes: the figure is its binding rate, not
      // how long a list of up to 15,000 pods takes (scheduler_perf, too, samples a running scheduler).
      const listing = informers.run(stop.signal);
      await informers.waitForSync();
      const started = performance.now();
      const running = scheduler.run(stop.signal);
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`Timed out waiting for ${pods} pods bound`)), 120_000).unref())]);
      const seconds = (performance.now() - started) / 1000;
      rates.push(pods / seconds);
      stop.abort();
      await Promise.all([running, listing]);
    }
    const goal = nodes === 1000;
    figures.push(fromRuns(`pods bound/s on ${nodes.toLocaleString("en-US")} simulated nodes (3 × ${pods.toLocaleString("en-US")} pods)`, rates, "pods/s", goal ? "≥ 2000/s" : "(reported)", (v) => !goal || v >= 2000));
  } finally {
    client.close();
    await tug.stop();
  }
  return figures;
}
