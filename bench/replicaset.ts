import { Informer } from "../src/client/informer.js";
import { fromRuns, MiB, reported, rounds, type Figure } from "./figure.js";
import { rssOf, TugProcess, until } from "./harness.js";
import { NODES, PODS, REPLICASETS } from "../src/client/resources.js";

/** One pass of issue 4's scenario on a fresh `tug up`: seconds for each phase, and memory. */
interface ReplicaSetRun {
  upS: number;
  downS: number;
  cascadeS: number;
  controllerManagerRss: number;
  tugRss: number;
}

const N = 10_000;
const LIMIT = 180_000;

/**
 * Issue 4's figures, three runs each: a ReplicaSet scaled 0 → 10,000 on 1,000 simulated nodes until every
 * pod is Running and Ready (status.readyReplicas), back to 0, and a cascade (background) delete of 10,000
 * pods; the memory of a controller manager of its own with the 10,000 pods cached, and of all of `tug up`.
 */
export async function replicaSetBenchmarks(): Promise<Figure[]> {
  const runs = await rounds(3, replicaSetRun);
  const s = (pick: (r: ReplicaSetRun) => number) => runs.map(pick);
  return [
    fromRuns(`ReplicaSet 0 → ${N} pods on 1000 simulated nodes, all Running and Ready`, s((r) => r.upS), "s", "≤ 10 s", (v) => v <= 10),
    fromRuns(`controller manager RSS with ${N} pods cached (\`tug controller-manager\`, its own process)`, s((r) => r.controllerManagerRss / MiB), "MiB", "≤ 300 MiB", (v) => v <= 300,
      { detail: "the most of six samples over 3 s after its first ReplicaSet sync" }),
    reported(`tug up RSS with ${N} pods (API server + store + controllers + scheduler + nodes)`, s((r) => r.tugRss / MiB), "MiB"),
    fromRuns(`ReplicaSet ${N} → 0`, s((r) => r.downS), "s", "≤ 10 s", (v) => v <= 10),
    fromRuns(`cascade delete of a ReplicaSet with ${N} pods`, s((r) => r.cascadeS), "s", "≤ 10 s", (v) => v <= 10),
  ];
}

async function replicaSetRun(): Promise<ReplicaSetRun> {
  const tug = await TugProcess.start(["--nodes", "1000", "--runtime", "simulated"]);
  const client = tug.client();
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

    await client.patch(REPLICASETS, "default", "bench", "merge", { spec: { replicas: N } }, "scale");
    const upS = (await until(`${N} ready`, async () => (await status())?.readyReplicas === N, LIMIT)) / 1000;
    const tugRss = tug.rssBytes();
    const cm = await tug.controllerManager();
    let controllerManagerRss = 0;
    for (let i = 0; i < 6; i++, await new Promise((r) => setTimeout(r, 500))) controllerManagerRss = Math.max(controllerManagerRss, rssOf(cm.pid));
    await cm.stop();

    await client.patch(REPLICASETS, "default", "bench", "merge", { spec: { replicas: 0 } }, "scale");
    const downS = (await until("0 pods", async () => (await status())?.replicas === 0 && (await podCount()) === 0, LIMIT)) / 1000;

    await client.patch(REPLICASETS, "default", "bench", "merge", { spec: { replicas: N } }, "scale");
    await until(`${N} ready again`, async () => (await status())?.readyReplicas === N, LIMIT);
    const began = performance.now();
    await client.delete(REPLICASETS, "default", "bench", { propagationPolicy: "Background" });
    await until("pods collected", async () => (await podCount()) === 0, LIMIT);
    const cascadeS = (performance.now() - began) / 1000;
    watching.abort();
    await informer;
    return { upS, downS, cascadeS, controllerManagerRss, tugRss };
  } finally {
    client.close();
    await tug.stop();
  }
}
