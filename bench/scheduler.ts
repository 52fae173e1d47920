import { Informer } from "../src/client/informer.js";
import { Scheduler } from "../src/scheduler/scheduler.js";
import type { Figure } from "./api.js";
import { median, TugProcess } from "./harness.js";
import { CONFIGMAPS, NODES, PODS } from "../src/client/resources.js";


async function waitFor(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Issue 3's figures: how long `tug up --nodes 1000` takes to have 1,000 Ready nodes, and how fast a
 * scheduler binds pods onto them. The measured scheduler is a second one in this process, serving pods
 * created beforehand for its own schedulerName (as upstream's scheduler_perf pre-creates pods).
 */
export async function schedulerBenchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const nodes = 1000;
  const pods = 5000;
  const tug = await TugProcess.start(["--nodes", String(nodes), "--runtime", "simulated"]);
  const client = tug.client();
  try {
    const t0 = performance.now() - tug.readyMs;
    await waitFor(`${nodes} Ready nodes`, async () => {
      const list = await client.list(NODES);
      return list.items.filter((n) => ((n.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length >= nodes;
    }, 120_000);
    const nodesReady = performance.now() - t0;
    figures.push({ name: `tug up --nodes ${nodes} --runtime simulated → all nodes Ready`, value: nodesReady, unit: "ms", goal: "(reported)", met: true, detail: `RSS ${(tug.rssBytes() / 2 ** 20).toFixed(0)} MiB` });

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
      let bound = 0;
      const watcher = new Informer(client, { resource: PODS, namespace: "default", labelSelector: `round=${round}` });
      const counted = new Set<string>();
      const count = (p: { metadata: { name?: string }; spec?: unknown }) => {
        if ((p.spec as { nodeName?: string }).nodeName && !counted.has(p.metadata.name!)) {
          counted.add(p.metadata.name!);
          bound++;
        }
      };
      watcher.on({ add: count, update: (_o, p) => count(p) });
      const stopWatch = new AbortController();
      const watching = watcher.run(stopWatch.signal);
      await watcher.waitForSync();
      const stop = new AbortController();
      const started = performance.now();
      const running = new Scheduler(client, { schedulerName: name }).run(stop.signal);
      await waitFor(`${pods} pods bound`, async () => bound >= pods, 120_000);
      const seconds = (performance.now() - started) / 1000;
      rates.push(pods / seconds);
      stop.abort();
      stopWatch.abort();
      await Promise.all([running, watching]);
    }
    const rate = median(rates);
    figures.push({ name: `pods bound/s on ${nodes} simulated nodes (median of 3 × ${pods})`, value: rate, unit: "pods/s", goal: "≥ 2000/s", met: rate >= 2000, detail: rates.map((r) => r.toFixed(0)).join(", ") });
  } finally {
    client.close();
    await tug.stop();
  }
  return figures;
}
