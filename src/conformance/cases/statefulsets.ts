import assert from "node:assert/strict";
import type { StatefulSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { NODES, PODS, SERVICES, STATEFULSETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import {
  EventStream, IMAGES, StopWaiting, deleteCollection, httpPost, isReady, listPods, podTemplate, subresource, updateWithRetries, waitFor, watchUntil, type K,
} from "../kit.js";

/**
 * test/e2e/apps/statefulset.go ([StatefulSetBasic]), reproduced. Upstream makes a pod unhealthy by moving
 * httpd's index.html away through exec; Tugboat does not serve exec yet, so the pods run the demo web
 * server with a readiness probe on /readyz, flipped by a POST to the pod's IP.
 */

type SS = K<StatefulSet>;
const LABELS = { foo: "bar", baz: "blah" };
const SELECTOR = "foo=bar,baz=blah";

/** Upstream's e2estatefulset.NewStatefulSet with the headless service "test" it needs. */
async function createHeadlessService(ctx: ConformanceContext): Promise<void> {
  await ctx.client.create(SERVICES, ctx.namespace, { apiVersion: "v1", kind: "Service", metadata: { name: "test", labels: LABELS }, spec: { clusterIP: "None", selector: LABELS, ports: [{ name: "http", port: 80 }] } });
}

function newStatefulSet(name: string, replicas: number, image: string = IMAGES.webserver): SS {
  return {
    apiVersion: "apps/v1", kind: "StatefulSet",
    metadata: { name, labels: LABELS },
    spec: {
      replicas, serviceName: "test", selector: { matchLabels: LABELS },
      template: podTemplate(LABELS, [{
        name: "webserver", image,
        readinessProbe: { httpGet: { path: "/readyz", port: 80 }, periodSeconds: 1, successThreshold: 1, failureThreshold: 1 },
      }]),
    },
  } as SS;
}

const getSS = (ctx: ConformanceContext, name = "ss") => ctx.client.get<SS>(STATEFULSETS, ctx.namespace, name);
const livePods = async (ctx: ConformanceContext) => (await listPods(ctx, SELECTOR)).filter((p) => !p.metadata.deletionTimestamp);
const ordinal = (p: Pod) => Number(/-(\d+)$/.exec(p.metadata!.name!)?.[1] ?? -1);

/** Upstream's WaitForRunning(n, ready): exactly n pods, all Running, each ready or not as asked. */
function waitRunning(ctx: ConformanceContext, n: number, ready: boolean, selector = SELECTOR): Promise<Array<K<Pod>>> {
  return waitFor(ctx, `${n} stateful pods running and ${ready ? "ready" : "not ready"}`, async () => {
    const pods = (await listPods(ctx, selector)).filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === n && pods.every((p) => p.status?.phase === "Running" && isReady(p) === ready) ? pods.sort((a, b) => ordinal(a) - ordinal(b)) : undefined;
  });
}

/** Flips the readiness of these pods through the demo server's /readyz (upstream: Break/RestoreHTTPProbe). */
async function setReady(ctx: ConformanceContext, pods: Array<K<Pod>>, ok: boolean): Promise<void> {
  for (const pod of pods) {
    // A pod just Running may not listen yet: retry until the server takes the POST.
    await waitFor(ctx, `pod ${pod.metadata.name} taking readyz=${ok ? "OK" : "FAIL"}`, async () => (await httpPost(pod.status!.podIP!, 80, "/readyz", `readyz=${ok ? "OK" : "FAIL"}`, ctx.signal)) === 200);
  }
}

/** Upstream's confirmStatefulPodCount: the count stays `n` for `ms` (scaled down from 10 s). */
async function confirmCount(ctx: ConformanceContext, n: number, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const count = (await livePods(ctx)).length;
    if (count !== n) throw new Error(`StatefulSet ss went from ${n} to ${count} pods while a pod was unhealthy`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const scale = (ctx: ConformanceContext, n: number) => updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (ss) => (ss.spec!.replicas = n));

/** The pods' images and revision labels, by ordinal. */
async function revisions(ctx: ConformanceContext): Promise<Array<{ ordinal: number; image: string; revision: string }>> {
  return (await livePods(ctx)).map((p) => ({ ordinal: ordinal(p), image: p.spec!.containers[0]!.image!, revision: p.metadata.labels?.["controller-revision-hash"] ?? "" })).sort((a, b) => a.ordinal - b.ordinal);
}

/** Upstream's WaitForRollingUpdate / WaitForPartitionedRollingUpdate: ordinals >= partition on the update revision and image. */
async function waitRolledOut(ctx: ConformanceContext, image: string, partition = 0): Promise<SS> {
  return waitFor(ctx, `pods from ordinal ${partition} on ${image} and the update revision`, async () => {
    const ss = await getSS(ctx);
    const s = ss.status;
    if (!s || (s.observedGeneration ?? 0) < (ss.metadata.generation ?? 0) || s.readyReplicas !== ss.spec!.replicas) return undefined;
    const pods = await revisions(ctx);
    if (pods.length !== ss.spec!.replicas) return undefined;
    const updated = pods.filter((p) => p.ordinal >= partition);
    if (!updated.every((p) => p.image === image && p.revision === s.updateRevision)) return undefined;
    if (partition === 0 && s.currentRevision !== s.updateRevision) return undefined;
    return ss;
  });
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Scaling should happen in predictable order and halt if any stateful pod is unhealthy [Slow] [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      const pods = await ctx.client.list(PODS, ctx.namespace);
      const events = EventStream.open<K<Pod>>(ctx, PODS, { resourceVersion: pods.metadata.resourceVersion, labelSelector: SELECTOR });
      try {
        await ctx.client.create(STATEFULSETS, ctx.namespace, newStatefulSet("ss", 1));
        const [ss0] = await waitRunning(ctx, 1, true);
        await setReady(ctx, [ss0!], false);
        await waitRunning(ctx, 1, false);
        await scale(ctx, 3);
        await confirmCount(ctx, 1);
        await setReady(ctx, [ss0!], true);
        // Pods become ready in ordinal order: 0, 1, 2.
        const readyOrder: number[] = [];
        await events.next("ss-2 ready", (_, p) => {
          if (isReady(p) && !readyOrder.includes(ordinal(p))) readyOrder.push(ordinal(p));
          return ordinal(p) === 2 && isReady(p);
        });
        assert.deepEqual(readyOrder, [0, 1, 2], "pods became ready in ordinal order");
        const all = await waitRunning(ctx, 3, true);
        await setReady(ctx, all, false);
        await waitRunning(ctx, 3, false);
        await scale(ctx, 0);
        await confirmCount(ctx, 3);
        // Pods go in reverse ordinal order once healthy again: 2, 1, 0 (events from here on).
        events.drain();
        await setReady(ctx, all, true);
        const deleted: number[] = [];
        await events.next("ss-0 deleted", (type, p) => {
          if (type === "DELETED") deleted.push(ordinal(p));
          return type === "DELETED" && ordinal(p) === 0;
        });
        assert.deepEqual(deleted, [2, 1, 0], "pods deleted in reverse ordinal order");
      } finally {
        events.close();
      }
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Burst scaling should run to completion even with unhealthy pods [Slow] [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      const ss = newStatefulSet("ss", 1);
      ss.spec!.podManagementPolicy = "Parallel";
      await ctx.client.create(STATEFULSETS, ctx.namespace, ss);
      const [ss0] = await waitRunning(ctx, 1, true);
      await setReady(ctx, [ss0!], false);
      await waitRunning(ctx, 1, false);
      await scale(ctx, 3);
      const three = await waitFor(ctx, "3 stateful pods running despite the unhealthy one", async () => {
        const pods = await livePods(ctx);
        return pods.length === 3 && pods.every((p) => p.status?.phase === "Running") ? pods : undefined;
      });
      await setReady(ctx, three, false);
      await waitRunning(ctx, 3, false);
      await scale(ctx, 0);
      await waitFor(ctx, "no stateful pods left", async () => (await listPods(ctx, SELECTOR)).length === 0);
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] Should recreate evicted statefulset [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      const node = (await ctx.client.list(NODES)).items[0]!.metadata.name!;
      const port = 21017;
      await ctx.client.create(PODS, ctx.namespace, {
        apiVersion: "v1", kind: "Pod", metadata: { name: "test-pod" },
        spec: { nodeName: node, containers: [{ name: "webserver", image: IMAGES.webserver, ports: [{ containerPort: 80, hostPort: port }] }] },
      });
      await waitFor(ctx, "test-pod running", async () => (await ctx.client.get<K<Pod>>(PODS, ctx.namespace, "test-pod")).status?.phase === "Running");
      const ss = newStatefulSet("ss", 1);
      ss.spec!.template!.spec!.nodeName = node;
      ss.spec!.template!.spec!.containers[0]!.ports = [{ containerPort: 80, hostPort: port }];
      const list = await ctx.client.list(PODS, ctx.namespace);
      await ctx.client.create(STATEFULSETS, ctx.namespace, ss);
      // The node refuses ss-0 (its host port is taken): the controller deletes the failed pod and makes it again.
      await watchUntil<K<Pod>>(ctx, PODS, { resourceVersion: list.metadata.resourceVersion, fieldSelector: "metadata.name=ss-0" }, "ss-0 failed and deleted", (type, p) => {
        if (p.status?.phase === "Running") throw new StopWaiting(`ss-0 is Running on ${node} beside test-pod, both with hostPort ${port}`);
        return type === "DELETED";
      });
      await ctx.client.delete(PODS, ctx.namespace, "test-pod", { gracePeriodSeconds: 0 });
      await waitFor(ctx, "ss-0 recreated and running", async () => (await ctx.client.get<K<Pod>>(PODS, ctx.namespace, "ss-0")).status?.phase === "Running");
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should have a working scale subresource [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      await ctx.client.create(STATEFULSETS, ctx.namespace, newStatefulSet("ss", 1));
      await waitRunning(ctx, 1, true);
      type Scale = K<{ spec: { replicas: number }; status: { replicas: number } }>;
      const sc = await waitFor(ctx, "scale with status.replicas 1", async () => {
        const got = await subresource<Scale>(ctx, STATEFULSETS, "ss", "scale");
        return got.status.replicas === 1 ? got : undefined;
      });
      assert.equal(sc.spec.replicas, 1);
      sc.metadata.resourceVersion = "";
      sc.spec.replicas = 2;
      assert.equal((await subresource<Scale>(ctx, STATEFULSETS, "ss", "scale", "PUT", sc)).spec.replicas, 2);
      assert.equal((await getSS(ctx)).spec!.replicas, 2);
      await ctx.client.patch(STATEFULSETS, ctx.namespace, "ss", "strategic", { spec: { replicas: 4 } }, "scale");
      assert.equal((await getSS(ctx)).spec!.replicas, 4, "statefulset should have 4 replicas");
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should list, patch and delete a collection of StatefulSets [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      const ss = newStatefulSet("test-ss", 1);
      const podLabels = { name: "sample-pod", pod: "httpd" };
      ss.metadata.labels = podLabels;
      ss.spec!.selector = { matchLabels: podLabels };
      ss.spec!.template!.metadata!.labels = podLabels;
      await ctx.client.create(STATEFULSETS, ctx.namespace, ss);
      await waitRunning(ctx, 1, true, "name=sample-pod");
      // Upstream's patch spells TerminationGracePeriodSeconds with a capital T: an unknown field, dropped.
      await ctx.client.patch<SS>(STATEFULSETS, ctx.namespace, "test-ss", "strategic", {
        metadata: { labels: { "test-ss": "patched" } },
        spec: { replicas: 2, template: { spec: { TerminationGracePeriodSeconds: 1, containers: [{ name: "test-ss", image: IMAGES.pause }] } } },
      });
      const patched = await getSS(ctx, "test-ss");
      assert.equal(patched.spec!.replicas, 2, "statefulset should have 2 replicas");
      assert.equal(patched.spec!.template!.spec!.containers[0]!.image, IMAGES.pause, "statefulset not using ssPatchImage (containers[0])");
      await waitRunning(ctx, 2, true, "name=sample-pod");
      assert.equal((await ctx.client.list(STATEFULSETS, undefined, { labelSelector: "test-ss=patched" })).items.length, 1, "filtered list wasn't found");
      await deleteCollection(ctx, STATEFULSETS, "test-ss=patched", 1);
      assert.equal((await ctx.client.list(STATEFULSETS, undefined, { labelSelector: "test-ss=patched" })).items.length, 0, "filtered list should have no Statefulsets");
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform canary updates and phased rolling updates of template modifications [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      const ss = newStatefulSet("ss", 3);
      ss.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 3 } };
      await ctx.client.create(STATEFULSETS, ctx.namespace, ss);
      await waitRunning(ctx, 3, true);
      const initial = await waitRolledOut(ctx, IMAGES.webserver);
      const oldRevision = initial.status!.currentRevision!;
      assert.ok((await revisions(ctx)).every((p) => p.revision === oldRevision), "pods at the current revision");
      await updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (s) => (s.spec!.template!.spec!.containers[0]!.image = IMAGES.webserverNew));
      const updated = await waitFor(ctx, "a new update revision", async () => {
        const s = await getSS(ctx);
        return s.status?.updateRevision && s.status.updateRevision !== oldRevision && s.status.observedGeneration === s.metadata.generation ? s : undefined;
      });
      const newRevision = updated.status!.updateRevision!;
      assert.equal(updated.status!.currentRevision, oldRevision, "current revision unchanged while the partition holds every pod");
      assert.ok((await revisions(ctx)).every((p) => p.image === IMAGES.webserver && p.revision === oldRevision), "no pod updated while partition > replicas");
      // Canary: partition 2 updates ss-2 only.
      await updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (s) => (s.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 2 } }));
      await waitRolledOut(ctx, IMAGES.webserverNew, 2);
      const canary = await revisions(ctx);
      assert.deepEqual(canary.map((p) => p.revision), [oldRevision, oldRevision, newRevision]);
      // Deleted pods come back on the revision their ordinal is due.
      await ctx.client.delete(PODS, ctx.namespace, "ss-0");
      await ctx.client.delete(PODS, ctx.namespace, "ss-2");
      await waitFor(ctx, "ss-0 and ss-2 back", async () => {
        const pods = await livePods(ctx);
        return pods.length === 3 && pods.every(isReady) && (await revisions(ctx)).map((p) => p.revision).join() === [oldRevision, oldRevision, newRevision].join();
      });
      // Phased: partition 1, then 0.
      for (const partition of [1, 0]) {
        await updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (s) => (s.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition } }));
        await waitRolledOut(ctx, IMAGES.webserverNew, partition);
        const pods = await revisions(ctx);
        assert.deepEqual(pods.map((p) => p.revision), pods.map((p) => (p.ordinal >= partition ? newRevision : oldRevision)));
      }
      const done = await waitRolledOut(ctx, IMAGES.webserverNew);
      assert.equal(done.status!.currentRevision, newRevision);
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform rolling updates and roll backs of template modifications [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      await ctx.client.create(STATEFULSETS, ctx.namespace, newStatefulSet("ss", 3));
      await waitRunning(ctx, 3, true);
      const initial = await waitRolledOut(ctx, IMAGES.webserver);
      const oldRevision = initial.status!.currentRevision!;
      // Upstream breaks ss-1 before the update and restores it, then waits the rollout out.
      const ss1 = (await livePods(ctx)).find((p) => ordinal(p) === 1)!;
      await setReady(ctx, [ss1], false);
      await waitFor(ctx, "ss-1 not ready", async () => !isReady(await ctx.client.get<K<Pod>>(PODS, ctx.namespace, "ss-1")));
      await updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (s) => (s.spec!.template!.spec!.containers[0]!.image = IMAGES.webserverNew));
      const updated = await waitFor(ctx, "a new update revision", async () => {
        const s = await getSS(ctx);
        return s.status?.updateRevision && s.status.updateRevision !== oldRevision ? s : undefined;
      });
      const newRevision = updated.status!.updateRevision!;
      await setReady(ctx, [ss1], true).catch(() => {});
      const rolled = await waitRolledOut(ctx, IMAGES.webserverNew);
      assert.equal(rolled.status!.currentRevision, newRevision);
      // Roll back: the template of the first revision again is that revision, not a new one.
      await updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (s) => (s.spec!.template!.spec!.containers[0]!.image = IMAGES.webserver));
      const back = await waitRolledOut(ctx, IMAGES.webserver);
      assert.equal(back.status!.updateRevision, oldRevision, "the rollback reuses the prior revision");
      assert.equal(back.status!.currentRevision, oldRevision);
    },
  },
  {
    codename: "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should validate Statefulset Status endpoints [Conformance]",
    async run(ctx) {
      await createHeadlessService(ctx);
      const list = await ctx.client.list(STATEFULSETS, undefined, { labelSelector: "e2e=testing" });
      await ctx.client.create(STATEFULSETS, ctx.namespace, newStatefulSet("ss", 1));
      await waitRunning(ctx, 1, true);
      await ctx.client.patch(STATEFULSETS, ctx.namespace, "ss", "strategic", { metadata: { labels: { e2e: "testing" } } });
      const status = await subresource<SS>(ctx, STATEFULSETS, "ss", "status");
      assert.equal(status.metadata.name, "ss");
      await updateWithRetries<SS>(ctx, STATEFULSETS, "ss", (x) => {
        (x as { status: unknown }).status = { ...x.status, conditions: [...(x.status?.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }] };
      }, "status");
      const ours = (x: SS) => x.metadata.name === "ss" && x.metadata.namespace === ctx.namespace && x.metadata.labels?.e2e === "testing";
      await watchUntil<SS>(ctx, STATEFULSETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: "e2e=testing" }, "the StatusUpdate condition", (_, x) =>
        ours(x) && (x.status?.conditions ?? []).some((c) => c.type === "StatusUpdate" && c.reason === "E2E" && c.message === "Set from e2e test"));
      await ctx.client.patch(STATEFULSETS, ctx.namespace, "ss", "merge", { status: { conditions: [{ type: "StatusPatched", status: "True" }] } }, "status");
      await watchUntil<SS>(ctx, STATEFULSETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: "e2e=testing" }, "the StatusPatched condition", (_, x) =>
        ours(x) && (x.status?.conditions ?? []).some((c) => c.type === "StatusPatched"));
    },
  },
];
