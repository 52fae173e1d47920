import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { JobStatus } from "kubernetes-types/batch/v1.js";
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../api/types.js";
import { Informer } from "../client/informer.js";
import { JOBS, PODS } from "../client/resources.js";
import { resourcePath } from "../client/rest.js";
import { FAST_STAGES } from "../node/simulated/stages.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

// Job pods run until evicted (no pod-complete stage).
const STAGES = FAST_STAGES.filter((s) => s.name !== "pod-complete");

describe("eviction sets DisruptionTarget, and a Job's podFailurePolicy Ignore applies to it", () => {
  let cluster: TestCluster;
  const seen = new Map<string, PodCondition | undefined>();
  const stop = new AbortController();
  let watching: Promise<void>;
  before(async () => {
    cluster = await startTestCluster({ nodes: ["sim-1"], stages: STAGES });
    // Every DisruptionTarget condition any version of a pod carried, wherever the pod went after.
    const pods = new Informer(cluster.client, { resource: PODS });
    const record = (p: KubeObject) => {
      const c = ((p as Pod).status?.conditions ?? []).find((x) => x.type === "DisruptionTarget");
      if (c) seen.set(p.metadata.name!, c);
    };
    pods.on({ add: record, update: (_o, p) => record(p) });
    watching = pods.run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await watching;
    await cluster.stop();
  });

  const evict = (name: string) => cluster.client.call("POST", resourcePath(PODS, "default", name, "eviction"), {
    body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "default" } },
  });

  test("POST pods/eviction: DisruptionTarget EvictionByEvictionAPI, then the pod is deleted; the Job ignores the failure", async () => {
    const { client } = cluster;
    await client.create(JOBS, "default", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "tolerant" }, spec: {
      completions: 2, parallelism: 2, backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
      template: { spec: { restartPolicy: "Never", nodeName: "sim-1", containers: [{ name: "c", image: "demo" }] } },
    } } as KubeObject);
    const running = await eventually("two running pods", async () => {
      const items = (await client.list(PODS, "default", { labelSelector: "job-name=tolerant" })).items as unknown as Pod[];
      return items.filter((p) => p.status?.phase === "Running").length === 2 && items;
    });
    const victim = running[0]!.metadata!.name!;
    await evict(victim);
    const condition = await eventually("DisruptionTarget on the evicted pod", async () => seen.get(victim));
    assert.deepEqual([condition.status, condition.reason, condition.message], ["True", "EvictionByEvictionAPI", "Eviction API: evicting"]);
    await eventually("the evicted pod gone, a replacement running", async () => {
      const items = (await client.list(PODS, "default", { labelSelector: "job-name=tolerant" })).items as unknown as Pod[];
      return !items.some((p) => p.metadata?.name === victim) && items.filter((p) => p.status?.phase === "Running").length === 2;
    });
    const status = (await client.get(JOBS, "default", "tolerant")).status as JobStatus;
    assert.equal(status.failed ?? 0, 0, "an ignored failure is not counted");
    assert.ok(!(status.conditions ?? []).some((c) => c.type === "Failed" || c.type === "FailureTarget"), JSON.stringify(status.conditions));
  });

  test("POST pods/eviction with dryRun=All writes nothing", async () => {
    const { client } = cluster;
    const pods = (await client.list(PODS, "default", { labelSelector: "job-name=tolerant" })).items;
    const name = pods[0]!.metadata.name!;
    await client.call("POST", `${resourcePath(PODS, "default", name, "eviction")}?dryRun=All`, { body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name } } });
    const after = (await client.get(PODS, "default", name)) as unknown as Pod;
    assert.equal(after.metadata?.deletionTimestamp, undefined);
    assert.ok(!(after.status?.conditions ?? []).some((c) => c.type === "DisruptionTarget"));
  });
});
