import { Informer } from "../src/client/informer.js";
import { reported, type Figure } from "./figure.js";
import { rssOf, TugProcess, until } from "./harness.js";
import { NODES, PODS, REPLICASETS } from "../src/client/resources.js";


/**
 * Issue 4's figures: a ReplicaSet scaled 0 → 10,000 on 1,000 simulated nodes until every pod is Running
 * and Ready (status.readyReplicas), back to 0, and a cascade (background) delete of 10,000 pods; with the
 * RSS of the all-in-one process (API server, store, controllers, scheduler and nodes) at 10,000 pods.
 */
export async function replicaSetBenchmarks(): Promise<Figure[]> {
  const tug = await TugProcess.start(["--nodes", "1000", "--runtime", "simulated"]);
  const client = tug.client();
  const figures: Figure[] = [];
  const n = 10_000;
  const limit = 180_000;
  try {
    await until("1000 nodes", async () => (await client.list(NODES, undefined, { limit: 1000 })).items.length >= 1000, 60_000);
    await client.create(REPLICASETS, "default", {
      apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "bench" },
      spec: {
        replicas: 0, selector: { matchLabels: { app: "bench" } },
        template: { metadata: { labels: { app: "bench" } }, spec: { containers: [{ name: "c", image: "ikubernetes/myapp:v1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
      },
    });
    const status = async () => (await client.get(REPLICASETS, "default", "bench")).status as { replicas?: number; readyReplicas?: number } | undefined;
    // Pods are counted from a watch: polling a 10,000-pod list every 100 ms would cost the server more than
    // the work being measured.
    const pods = new Informer(client, { resource: PODS, namespace: "default", labelSelector: "app=bench" });
    const watching = new AbortController();
    const informer = pods.run(watching.signal);
    await pods.waitForSync();
    const podCount = async () => pods.lister().list().length;

    await client.patch(REPLICASETS, "default", "bench", "merge", { spec: { replicas: n } }, "scale");
    const up = await until(`${n} ready`, async () => (await status())?.readyReplicas === n, limit);
    const rss = tug.rssBytes() / 2 ** 20;
    figures.push({ name: `ReplicaSet 0 → ${n} pods on 1000 simulated nodes, all Running and Ready`, value: up / 1000, unit: "s", goal: "≤ 10 s", met: up <= 10_000 });
    const cm = await tug.controllerManager();
    let cmRss = 0;
    for (let i = 0; i < 6; i++, await new Promise((r) => setTimeout(r, 500))) cmRss = Math.max(cmRss, rssOf(cm.pid) / 2 ** 20);
    await cm.stop();
    figures.push({ name: `controller manager RSS with ${n} pods cached (\`tug controller-manager\`, its own process)`, value: cmRss, unit: "MiB", goal: "≤ 300 MiB", met: cmRss <= 300, detail: "the most of six samples over 3 s after its first ReplicaSet sync" });
    figures.push(reported(`tug up RSS with ${n} pods (API server + store + controllers + scheduler + nodes)`, [rss], "MiB"));

    await client.patch(REPLICASETS, "default", "bench", "merge", { spec: { replicas: 0 } }, "scale");
    const down = await until("0 pods", async () => (await status())?.replicas === 0 && (await podCount()) === 0, limit);
    figures.push({ name: `ReplicaSet ${n} → 0`, value: down / 1000, unit: "s", goal: "≤ 10 s", met: down <= 10_000 });

    await client.patch(REPLICASETS, "default", "bench", "merge", { spec: { replicas: n } }, "scale");
    await until(`${n} ready again`, async () => (await status())?.readyReplicas === n, limit);
    const began = performance.now();
    await client.delete(REPLICASETS, "default", "bench", { propagationPolicy: "Background" });
    await until("pods collected", async () => (await podCount()) === 0, limit);
    const cascade = performance.now() - began;
    figures.push({ name: `cascade delete of a ReplicaSet with ${n} pods`, value: cascade / 1000, unit: "s", goal: "≤ 10 s", met: cascade <= 10_000 });
    watching.abort();
    await informer;
  } finally {
    client.close();
    await tug.stop();
  }
  return figures;
}
