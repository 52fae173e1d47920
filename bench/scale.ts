import type { KubeObject } from "../src/api/types.js";
import { Informer } from "../src/client/informer.js";
import { DEPLOYMENTS, NODES, PODS, REPLICASETS } from "../src/client/resources.js";
import type { RestClient } from "../src/client/rest.js";
import { fromRuns, MiB, reported, rounds, type Figure } from "./figure.js";
import { TugProcess, until } from "./harness.js";

type Status = { replicas?: number; updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number };

/**
 * A probe for `until`: the Deployment's controller has seen its latest spec and reports `replicas` replicas,
 * all updated and available (what `kubectl rollout status` waits for).
 */
export function rolledOut(client: RestClient, name: string, replicas: number): () => Promise<boolean> {
  return async () => {
    const d = await client.get(DEPLOYMENTS, "default", name);
    const s = (d.status ?? {}) as Status;
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.replicas === replicas && s.updatedReplicas === replicas && s.availableReplicas === replicas;
  };
}

export function deployment(name: string, replicas: number, strategy: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
    spec: {
      replicas, strategy, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "ikubernetes/myapp:v1", resources: { requests: { cpu: "1m", memory: "1Mi" } } }] } },
    },
  };
}

/** One pass of scenario 1 at a given size, on a fresh `tug up`: seconds for each phase, and memory. */
export interface ScaleRun {
  pods: number;
  createS: number;
  rollS: number;
  deleteS: number;
  idleRss: number;
  podsRss: number;
}

/**
 * A Deployment of `pods` replicas (25%/25%) on 1,000 simulated nodes, through the API like a user: created
 * until status says every replica is updated and available; its template changed until the rollout is
 * complete; then a cascade (background) delete until no pod or ReplicaSet is left. RSS is of the whole
 * `tug up` process tree, idle (nodes up, no pods) and with every pod available. `storeArgs`: tug up's
 * store flags (default: SQLite); `limitMs`: how long each phase may take before the run fails.
 */
export async function scaleRun(pods: number, options: { nodes?: number; storeArgs?: string[]; limitMs?: number } = {}): Promise<ScaleRun> {
  const nodes = options.nodes ?? 1000;
  const tug = await TugProcess.start([...(options.storeArgs ?? []), "--nodes", String(nodes), "--runtime", "simulated"]);
  const client = tug.client();
  const limit = options.limitMs ?? Math.max(300_000, pods * 30);
  const name = "scale";
  try {
    await until(`${nodes} nodes`, async () => (await client.list(NODES, undefined, { limit: nodes })).items.length >= nodes, 120_000);
    const idleRss = tug.treeRssBytes();
    await client.create(DEPLOYMENTS, "default", deployment(name, pods, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } }));
    const createS = (await until(`${pods} replicas available`, rolledOut(client, name, pods), limit)) / 1000;
    const podsRss = tug.treeRssBytes();

    const rollBegan = performance.now();
    await client.patch(DEPLOYMENTS, "default", name, "strategic", { spec: { template: { spec: { containers: [{ name: "c", image: "ikubernetes/myapp:v2" }] } } } });
    await until("the rollout complete", rolledOut(client, name, pods), limit);
    const rollS = (performance.now() - rollBegan) / 1000;

    // Pods are counted from a watch: a limited list every 100 ms makes the server count what is left each
    // time (remainingItemCount), which grows with the pods and would be most of what is measured.
    const podWatch = new Informer(client, { resource: PODS, namespace: "default" });
    const watching = new AbortController();
    const informer = podWatch.run(watching.signal);
    await podWatch.waitForSync();
    const deleteBegan = performance.now();
    await client.delete(DEPLOYMENTS, "default", name, { propagationPolicy: "Background" });
    const noReplicaSets = async () => (await client.list(REPLICASETS, "default")).items.length === 0;
    await until("every pod and ReplicaSet collected", async () => podWatch.lister().list().length === 0 && (await noReplicaSets()), limit);
    const deleteS = (performance.now() - deleteBegan) / 1000;
    watching.abort();
    await informer;
    return { pods, createS, rollS, deleteS, idleRss, podsRss };
  } finally {
    client.close();
    await tug.stop();
  }
}

const SIZES: Array<{ pods: number; runs: number }> = [{ pods: 1_000, runs: 3 }, { pods: 3_000, runs: 3 }, { pods: 10_000, runs: 3 }, { pods: 30_000, runs: 1 }];

/** Scenario 1 (10,000 replicas) and scenario 6 (the same at 1,000 to 30,000 pods, per 1,000 pods and per pod). */
export async function scaleBenchmarks(): Promise<{ scale: Figure[]; growth: Figure[] }> {
  const bySize = new Map<number, ScaleRun[]>();
  for (const { pods, runs } of SIZES) bySize.set(pods, await rounds(runs, () => scaleRun(pods)));

  const ten = bySize.get(10_000)!;
  const scale = [
    fromRuns("Deployment of 10,000 replicas on 1,000 simulated nodes, created until all available", ten.map((r) => r.createS), "s", "≤ 10 s", (v) => v <= 10),
    fromRuns("rolling update (25% / 25%) of all 10,000", ten.map((r) => r.rollS), "s", "≤ 20 s", (v) => v <= 20),
    fromRuns("cascade delete until no pod or ReplicaSet is left", ten.map((r) => r.deleteS), "s", "≤ 10 s", (v) => v <= 10),
    fromRuns("RSS of Tugboat's processes with 10,000 pods", ten.map((r) => r.podsRss / MiB), "MiB", "≤ 1.5 GiB", (v) => v <= 1536,
      { detail: "the `tug up` process tree: API server, SQLite store, controllers, scheduler, 1,000 simulated nodes" }),
  ];

  const growth: Figure[] = [];
  for (const [pods, runs] of bySize) {
    const per = 1000 / pods;
    const detail = `${pods.toLocaleString("en-US")} pods`;
    growth.push(
      reported(`${detail}: create, s per 1,000 pods`, runs.map((r) => r.createS * per), "s"),
      reported(`${detail}: rolling update, s per 1,000 pods`, runs.map((r) => r.rollS * per), "s"),
      reported(`${detail}: cascade delete, s per 1,000 pods`, runs.map((r) => r.deleteS * per), "s"),
      reported(`${detail}: memory per pod (RSS with the pods − idle RSS) ÷ pods`, runs.map((r) => (r.podsRss - r.idleRss) / pods / 1024), "KiB",
        { detail: `idle ${(runs[0]!.idleRss / MiB).toFixed(0)} MiB` }),
    );
  }
  return { scale, growth };
}
