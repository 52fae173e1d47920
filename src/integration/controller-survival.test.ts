import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { JOBS, PODS, REPLICASETS, STATEFULSETS } from "../client/resources.js";
import { Informer } from "../client/informer.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

const HUGE = 2147483647;
const podSpec = { containers: [{ name: "c", image: "demo" }] };
const jobPodSpec = { ...podSpec, restartPolicy: "Never" };

describe("controllers survive any spec the API accepts", () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ nodes: ["sim-1"] });
  });
  after(() => cluster.stop());

  /** How many pods match, up to 100: a page, not every pod the huge objects made so far (thousands, growing). */
  const count = async (labelSelector: string) => (await cluster.client.list(PODS, "default", { labelSelector, limit: 100 })).items.length;

  test("StatefulSet replicas and Job completions/parallelism 2147483647: bounded memory, other controllers keep working", async () => {
    const { client } = cluster;
    await client.create(STATEFULSETS, "default", { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "huge" },
      spec: { replicas: HUGE, serviceName: "huge", selector: { matchLabels: { app: "huge-set" } }, template: { metadata: { labels: { app: "huge-set" } }, spec: podSpec } } } as KubeObject);
    await client.create(STATEFULSETS, "default", { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "huge-parallel" },
      spec: { replicas: HUGE, podManagementPolicy: "Parallel", serviceName: "huge", selector: { matchLabels: { app: "huge-parallel" } }, template: { metadata: { labels: { app: "huge-parallel" } }, spec: podSpec } } } as KubeObject);
    await client.create(JOBS, "default", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "huge" },
      spec: { completions: HUGE, parallelism: HUGE, template: { metadata: { labels: { app: "huge-job" } }, spec: jobPodSpec } } } as KubeObject);
    await client.create(JOBS, "default", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "huge-indexed" },
      spec: { completions: 100000, parallelism: 100000, completionMode: "Indexed", template: { metadata: { labels: { app: "huge-indexed" } }, spec: jobPodSpec } } } as KubeObject);

    try {
      await eventually("the OrderedReady set's first pod", async () => (await count("app=huge-set")) >= 1);
      await eventually("the Parallel set's pods", async () => (await count("app=huge-parallel")) >= 100, 60_000);
      await eventually("each Job's pods", async () => (await count("app=huge-job")) >= 100 && (await count("app=huge-indexed")) >= 100, 60_000);

      await client.create(REPLICASETS, "default", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "after" },
        spec: { replicas: 2, selector: { matchLabels: { app: "after" } }, template: { metadata: { labels: { app: "after" } }, spec: { nodeName: "sim-1", containers: [{ name: "c", image: "demo" }] } } } } as KubeObject);
      await eventually("the later ReplicaSet's pods ready", async () => ((await client.get(REPLICASETS, "default", "after")).status as { readyReplicas?: number } | undefined)?.readyReplicas === 2, 30_000);
      const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
      assert.ok(heapMiB < 768, `heap ${heapMiB.toFixed(0)} MiB`);
    } finally {
      // Stopped whatever happened above: left running, they would starve the tests after this one.
      for (const [resource, name] of [[STATEFULSETS, "huge"], [STATEFULSETS, "huge-parallel"], [JOBS, "huge"], [JOBS, "huge-indexed"]] as const) {
        await client.patch(resource, "default", name, "merge", resource === JOBS ? { spec: { suspend: true } } : { spec: { replicas: 0 } });
      }
    }
  });

  test("Informer: a handler that throws is reported; other handlers and the watch go on", async () => {
    const { client } = cluster;
    const logs: Array<Record<string, unknown>> = [];
    const pods = new Informer(client, { resource: PODS, log: (e) => void logs.push(e) });
    const stop = new AbortController();
    const running = pods.run(stop.signal);
    const seen: string[] = [];
    pods.on({ add: (p) => {
      if (p.metadata.name === "boom") throw new Error("handler bug");
    } });
    pods.on({ add: (p) => void seen.push(p.metadata.name!) });
    await pods.waitForSync();
    for (const name of ["boom", "after-boom"]) {
      await client.create(PODS, "default", { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "informer-test" } }, spec: podSpec });
    }
    await eventually("both pods seen", async () => seen.includes("boom") && seen.includes("after-boom"));
    assert.equal(logs[0]?.msg, "Event handler failed");
    stop.abort();
    await running;
  });
});
