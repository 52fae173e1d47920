import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { DEPLOYMENTS, PODS, REPLICASETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { RCS, type Pod, isCode, names, waitFor, waitGone } from "../core-kit.js";

/** Upstream's test/e2e/apimachinery/garbage_collector.go (the [Conformance] ones). */

const PAUSE = { name: "pause", image: "registry.k8s.io/pause:3.9" };

function rc(name: string, replicas: number, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1", kind: "ReplicationController", metadata: { name, labels },
    spec: { replicas, selector: labels, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [PAUSE] } } },
  };
}

function deployment(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [PAUSE] } } },
  };
}

async function pods(ctx: ConformanceContext, selector: string): Promise<Pod[]> {
  return (await ctx.client.list<Pod>(PODS, ctx.namespace, { labelSelector: selector })).items;
}

async function waitPodCount(ctx: ConformanceContext, selector: string, n: number): Promise<Pod[]> {
  return waitFor(`${n} pods matching ${selector}`, async () => {
    const list = await pods(ctx, selector);
    return list.length === n ? list : undefined;
  });
}

const del = (ctx: ConformanceContext, ref: typeof RCS, name: string, propagationPolicy?: string) => ctx.client.delete(ref, ctx.namespace, name, propagationPolicy ? { propagationPolicy } : {});

/** Waits until nothing matches `selector` among `ref`'s objects. */
function waitNone(ctx: ConformanceContext, ref: typeof RCS, selector: string, ms = 30_000): Promise<boolean> {
  return waitFor(`no ${ref.resource} matching ${selector}`, async () => (await names(ctx, ref, selector)).length === 0, ms);
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-api-machinery] Garbage collector should delete RS created by deployment when not orphaning [Conformance]",
    async run(ctx) {
      const labels = { app: "gc-deployment" };
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, deployment("simpletest.deployment", labels));
      await waitFor("the deployment's ReplicaSet", async () => (await names(ctx, REPLICASETS, "app=gc-deployment")).length === 1);
      await waitPodCount(ctx, "app=gc-deployment", 2);
      await del(ctx, DEPLOYMENTS, "simpletest.deployment", "Background");
      await waitNone(ctx, REPLICASETS, "app=gc-deployment");
      await waitNone(ctx, PODS, "app=gc-deployment");
    },
  },
  {
    codename: "[sig-api-machinery] Garbage collector should orphan RS created by deployment when deleteOptions.PropagationPolicy is Orphan [Conformance]",
    async run(ctx) {
      const labels = { app: "gc-orphan-deployment" };
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, deployment("simpletest.deployment", labels));
      await waitFor("the deployment's ReplicaSet", async () => (await names(ctx, REPLICASETS, "app=gc-orphan-deployment")).length === 1);
      await waitPodCount(ctx, "app=gc-orphan-deployment", 2);
      await del(ctx, DEPLOYMENTS, "simpletest.deployment", "Orphan");
      await waitGone(ctx, DEPLOYMENTS, "simpletest.deployment");
      const rsList = await waitFor("the ReplicaSet to lose its owner reference", async () => {
        const l = (await ctx.client.list(REPLICASETS, ctx.namespace, { labelSelector: "app=gc-orphan-deployment" })).items;
        return l.length === 1 && !(l[0]!.metadata.ownerReferences ?? []).length ? l : undefined;
      });
      assert.equal(rsList[0]!.metadata.deletionTimestamp, undefined, "the orphaned ReplicaSet is not being deleted");
      const left = await waitPodCount(ctx, "app=gc-orphan-deployment", 2);
      assert.ok(left.every((p) => !p.metadata.deletionTimestamp), "the orphaned ReplicaSet keeps its pods");
    },
  },
  {
    codename: "[sig-api-machinery] Garbage collector should delete pods created by rc when not orphaning [Conformance]",
    async run(ctx) {
      await ctx.client.create(RCS, ctx.namespace, rc("simpletest.rc", 2, { app: "gc-rc" }));
      await waitPodCount(ctx, "app=gc-rc", 2);
      await del(ctx, RCS, "simpletest.rc", "Background");
      await waitNone(ctx, PODS, "app=gc-rc");
    },
  },
  {
    codename: "[sig-api-machinery] Garbage collector should orphan pods created by rc if delete options say so [Conformance]",
    async run(ctx) {
      await ctx.client.create(RCS, ctx.namespace, rc("simpletest.rc", 10, { app: "gc-orphan-rc" }));
      await waitPodCount(ctx, "app=gc-orphan-rc", 10);
      await del(ctx, RCS, "simpletest.rc", "Orphan");
      await waitGone(ctx, RCS, "simpletest.rc");
      const left = await waitFor("the pods to lose their owner reference", async () => {
        const l = await pods(ctx, "app=gc-orphan-rc");
        return l.every((p) => !(p.metadata.ownerReferences ?? []).length) ? l : undefined;
      });
      assert.equal(left.length, 10, "every pod stays");
      assert.ok(left.every((p) => !p.metadata.deletionTimestamp), "no pod is being deleted");
    },
  },
  {
    codename: "[sig-api-machinery] Garbage collector should keep the rc around until all its pods are deleted if the deleteOptions says so [Conformance]",
    async run(ctx) {
      await ctx.client.create(RCS, ctx.namespace, rc("simpletest.rc", 10, { app: "gc-foreground" }));
      await waitPodCount(ctx, "app=gc-foreground", 10);
      await del(ctx, RCS, "simpletest.rc", "Foreground");
      const deleting = await ctx.client.get(RCS, ctx.namespace, "simpletest.rc").catch(() => undefined);
      if (deleting) {
        assert.ok(deleting.metadata.deletionTimestamp, "the rc is being deleted");
        assert.ok(deleting.metadata.finalizers?.includes("foregroundDeletion"), "the rc waits on the foregroundDeletion finalizer");
      }
      await waitFor("the rc to go, never before its pods", async () => {
        try {
          await ctx.client.get(RCS, ctx.namespace, "simpletest.rc");
          return false;
        } catch (err) {
          if (!isCode(err, 404)) throw err;
          const left = await pods(ctx, "app=gc-foreground");
          assert.deepEqual(left.map((p) => p.metadata.name), [], "the rc was deleted while some of its pods still existed");
          return true;
        }
      }, 60_000);
    },
  },
  {
    codename: "[sig-api-machinery] Garbage collector should not delete dependents that have both valid owner and owner that's waiting for dependents to be deleted [Conformance]",
    async run(ctx) {
      const one = await ctx.client.create(RCS, ctx.namespace, rc("simpletest-rc-to-be-deleted", 10, { app: "gc-multi" }));
      const two = await ctx.client.create(RCS, ctx.namespace, rc("simpletest-rc-to-stay", 0, { app: "gc-multi-stay" }));
      const all = await waitPodCount(ctx, "app=gc-multi", 10);
      const half = all.slice(0, 5).map((p) => p.metadata.name!);
      for (const name of half) {
        const p = await ctx.client.get<Pod>(PODS, ctx.namespace, name);
        await ctx.client.patch(PODS, ctx.namespace, name, "merge", {
          metadata: { ownerReferences: [...(p.metadata.ownerReferences ?? []), { apiVersion: "v1", kind: "ReplicationController", name: two.metadata.name, uid: two.metadata.uid }] },
        });
      }
      await del(ctx, RCS, one.metadata.name!, "Foreground");
      await waitGone(ctx, RCS, one.metadata.name!, 60_000);
      const left = await pods(ctx, "app=gc-multi");
      assert.deepEqual(left.map((p) => p.metadata.name).sort(), [...half].sort(), "the pods with another live owner stay");
      assert.ok(left.every((p) => !p.metadata.deletionTimestamp), "and are not being deleted");
    },
  },
  {
    codename: "[sig-api-machinery] Garbage collector should not be blocked by dependency circle [Conformance]",
    async run(ctx) {
      const pod = (name: string): Pod => ({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "gc-circle" } }, spec: { terminationGracePeriodSeconds: 1, containers: [PAUSE] } });
      const [p1, p2, p3] = await Promise.all(["pod1", "pod2", "pod3"].map((n) => ctx.client.create<Pod>(PODS, ctx.namespace, pod(n))));
      const owner = (p: Pod) => ({ metadata: { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: p.metadata.name, uid: p.metadata.uid, blockOwnerDeletion: true }] } });
      await ctx.client.patch(PODS, ctx.namespace, "pod1", "merge", owner(p3!));
      await ctx.client.patch(PODS, ctx.namespace, "pod2", "merge", owner(p1!));
      await ctx.client.patch(PODS, ctx.namespace, "pod3", "merge", owner(p2!));
      await ctx.client.delete(PODS, ctx.namespace, "pod1");
      await waitNone(ctx, PODS, "app=gc-circle", 60_000);
    },
  },
];
