import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { LEASES, NODES, PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { updateWithRetries } from "../kit.js";
import { PODTEMPLATES, type Pod, deleteCollection, expectCode, isCode, isRunning, names, suffix, waitFor, waitForPod, waitGone } from "../core-kit.js";

/**
 * Upstream's common/node lease.go and podtemplates.go, node/node_lifecycle.go and node/taints.go
 * (NoExecuteTaintManager), and the sig-node entries whose kinds Tugboat does not serve.
 */

interface Lease extends KubeObject {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

const micro = (d: Date) => d.toISOString().replace("Z", "000Z");

function lease(name: string, holder: string, labels?: Record<string, string>): Lease {
  const now = new Date();
  return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, labels }, spec: { holderIdentity: holder, leaseDurationSeconds: 30, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 } };
}

function template(name: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "PodTemplate", metadata: { name, labels }, template: { metadata: { labels }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } };
}

interface Node extends KubeObject {
  spec: { taints?: Array<{ key: string; value?: string; effect: string; timeAdded?: string }>; unschedulable?: boolean };
}

/** The node the case's pods run on (asked once they run). */
async function theNode(ctx: ConformanceContext): Promise<string> {
  const pods = await ctx.client.list<Pod>(PODS, ctx.namespace, { labelSelector: "group=taint-eviction" });
  return String(pods.items[0]!.spec.nodeName);
}

async function setTaint(ctx: ConformanceContext, node: string, key: string, on: boolean): Promise<void> {
  for (;;) {
    const n = await ctx.client.get<Node>(NODES, undefined, node);
    const others = (n.spec.taints ?? []).filter((t) => t.key !== key);
    // timeAdded set as upstream's test taint has it (and kubectl taint writes it for NoExecute).
    n.spec.taints = on ? [...others, { key, value: "evictTaintVal", effect: "NoExecute", timeAdded: new Date().toISOString().replace(/\.\d+Z$/, "Z") }] : others;
    try {
      await ctx.client.update(NODES, n);
      return;
    } catch (err) {
      if (!isCode(err, 409)) throw err;
    }
  }
}

function tolerating(name: string, key: string, seconds: number): Pod {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, labels: { group: "taint-eviction" } },
    spec: { terminationGracePeriodSeconds: 1, tolerations: [{ key, operator: "Equal", value: "evictTaintVal", effect: "NoExecute", tolerationSeconds: seconds }], containers: [{ name: "pause", image: "registry.k8s.io/pause:3.9" }] },
  };
}

const evicted = (ctx: ConformanceContext, name: string, ms: number) =>
  waitFor(`pod ${name} to be evicted`, async () => {
    try {
      return !!(await ctx.client.get<Pod>(PODS, ctx.namespace, name)).metadata.deletionTimestamp;
    } catch (err) {
      return isCode(err, 404);
    }
  }, ms);

const notServed = (codename: string, what: string): ConformanceCase => ({ codename, notServed: what, run: async () => {} });

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] Lease lease API should be available [Conformance]",
    async run(ctx) {
      const created = await ctx.client.create<Lease>(LEASES, ctx.namespace, lease("lease", "holder"));
      const got = await ctx.client.get<Lease>(LEASES, ctx.namespace, "lease");
      assert.deepEqual(got.spec, created.spec);
      got.spec = { ...got.spec, holderIdentity: "holder2", leaseTransitions: 1 };
      const updated = await ctx.client.update<Lease>(LEASES, got);
      assert.equal((await ctx.client.get<Lease>(LEASES, ctx.namespace, "lease")).spec.holderIdentity, "holder2");
      assert.deepEqual(updated.spec, got.spec);
      const patched = await ctx.client.patch<Lease>(LEASES, ctx.namespace, "lease", "strategic", { spec: { holderIdentity: "holder3", leaseTransitions: 2 } });
      assert.equal((await ctx.client.get<Lease>(LEASES, ctx.namespace, "lease")).spec.holderIdentity, "holder3");
      assert.equal(patched.spec.leaseTransitions, 2);
      await ctx.client.create(LEASES, ctx.namespace, lease("lease2", "holder", { deletecollection: "true" }));
      assert.deepEqual(await names(ctx, LEASES), ["lease", "lease2"]);
      await deleteCollection(ctx, LEASES, "deletecollection=true");
      assert.deepEqual(await names(ctx, LEASES), ["lease"]);
      await ctx.client.delete(LEASES, ctx.namespace, "lease");
      await expectCode(ctx.client.get(LEASES, ctx.namespace, "lease"), 404, "the deleted lease");
    },
  },
  {
    codename: "[sig-node] PodTemplates should run the lifecycle of PodTemplates [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODTEMPLATES, ctx.namespace, template("nginx-pod-template", { "podtemplate-static": "true" }));
      await ctx.client.patch(PODTEMPLATES, ctx.namespace, "nginx-pod-template", "strategic", { metadata: { labels: { podtemplate: "patched" } } });
      const got = await ctx.client.get(PODTEMPLATES, ctx.namespace, "nginx-pod-template");
      assert.equal(got.metadata.labels?.podtemplate, "patched");
      assert.deepEqual(await names(ctx, PODTEMPLATES, "podtemplate-static=true"), ["nginx-pod-template"]);
      await ctx.client.delete(PODTEMPLATES, ctx.namespace, "nginx-pod-template");
      assert.deepEqual(await names(ctx, PODTEMPLATES, "podtemplate-static=true"), []);
    },
  },
  {
    codename: "[sig-node] PodTemplates should delete a collection of pod templates [Conformance]",
    async run(ctx) {
      for (const n of ["test-podtemplate-1", "test-podtemplate-2", "test-podtemplate-3"]) await ctx.client.create(PODTEMPLATES, ctx.namespace, template(n, { podtemplate: "true" }));
      assert.equal((await names(ctx, PODTEMPLATES, "podtemplate=true")).length, 3);
      await deleteCollection(ctx, PODTEMPLATES, "podtemplate=true");
      assert.equal((await names(ctx, PODTEMPLATES, "podtemplate=true")).length, 0);
    },
  },
  {
    codename: "[sig-node] PodTemplates should replace a pod template [Conformance]",
    async run(ctx) {
      const created = await ctx.client.create(PODTEMPLATES, ctx.namespace, template("podtemplate-replace", { app: "replace" }));
      created.metadata.annotations = { updated: "true" };
      await ctx.client.update(PODTEMPLATES, created);
      assert.equal((await ctx.client.get(PODTEMPLATES, ctx.namespace, "podtemplate-replace")).metadata.annotations?.updated, "true");
    },
  },
  {
    codename: "[sig-node] Node Lifecycle should run through the lifecycle of a node [Conformance]",
    async run(ctx) {
      const name = `e2e-fake-node-${suffix()}`;
      await ctx.client.create(NODES, undefined, {
        apiVersion: "v1", kind: "Node", metadata: { name },
        spec: { unschedulable: true, taints: [{ key: "e2e.tugboat.local/fake", effect: "NoSchedule" }] },
        status: { conditions: [{ type: "Ready", status: "False", reason: "Fake", message: "a node no agent runs" }] },
      });
      try {
        assert.equal((await ctx.client.get(NODES, undefined, name)).metadata.name, name);
        await ctx.client.patch(NODES, undefined, name, "merge", { metadata: { labels: { [name]: "patched" } } });
        assert.deepEqual(await names(ctx, NODES, `${name}=patched`, undefined), [name]);
        // As upstream, on a conflict again: the node IPAM controller gives the new Node a pod CIDR meanwhile.
        await updateWithRetries(ctx, NODES, name, (got) => {
          got.metadata.labels = { ...got.metadata.labels, [name]: "updated" };
        });
        assert.equal((await ctx.client.get(NODES, undefined, name)).metadata.labels?.[name], "updated");
      } finally {
        await ctx.client.delete(NODES, undefined, name).catch(() => {});
      }
      await waitGone(ctx, NODES, name, 30_000, undefined);
    },
  },
  {
    codename: "[sig-node] NoExecuteTaintManager Single Pod [Serial] removing taint cancels eviction [Disruptive] [Conformance]",
    async run(ctx) {
      const key = `kubernetes.io/e2e-evict-taint-key-${suffix()}`;
      await ctx.client.create(PODS, ctx.namespace, tolerating("taint-eviction-4", key, 6));
      await waitForPod(ctx, "taint-eviction-4", "to run", isRunning);
      const node = await theNode(ctx);
      await setTaint(ctx, node, key, true);
      try {
        await new Promise((r) => setTimeout(r, 2_000));
      } finally {
        await setTaint(ctx, node, key, false);
      }
      // Past the toleration the pod would have been evicted; with the taint gone it stays.
      const until = Date.now() + 8_000;
      while (Date.now() < until) {
        const p = await ctx.client.get<Pod>(PODS, ctx.namespace, "taint-eviction-4");
        assert.ok(!p.metadata.deletionTimestamp, "the pod is not evicted once the taint is removed");
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  },
  {
    codename: "[sig-node] NoExecuteTaintManager Multiple Pods [Serial] evicts pods with minTolerationSeconds [Disruptive] [Conformance]",
    async run(ctx) {
      const key = `kubernetes.io/e2e-evict-taint-key-${suffix()}`;
      await ctx.client.create(PODS, ctx.namespace, tolerating("taint-eviction-b1", key, 3));
      await ctx.client.create(PODS, ctx.namespace, tolerating("taint-eviction-b2", key, 9));
      for (const n of ["taint-eviction-b1", "taint-eviction-b2"]) await waitForPod(ctx, n, "to run", isRunning);
      const node = await theNode(ctx);
      const start = Date.now();
      await setTaint(ctx, node, key, true);
      try {
        await evicted(ctx, "taint-eviction-b1", 15_000);
        const first = Date.now() - start;
        const b2 = await ctx.client.get<Pod>(PODS, ctx.namespace, "taint-eviction-b2");
        assert.ok(!b2.metadata.deletionTimestamp, `the pod tolerating 9 s is still there when the one tolerating 3 s goes (${first} ms)`);
        await evicted(ctx, "taint-eviction-b2", 20_000);
        const second = Date.now() - start;
        // The taint's timeAdded has whole seconds (metav1.Time): an eviction may come up to 1 s before
        // tolerationSeconds have passed since this test's clock started.
        assert.ok(first >= 2_000 && second >= 8_000, `evictions after ${first} and ${second} ms honour tolerationSeconds 3 and 9`);
      } finally {
        await setTaint(ctx, node, key, false);
      }
    },
  },
  ...[
    "[sig-node] RuntimeClass should reject a Pod requesting a deleted RuntimeClass [NodeConformance] [Conformance]",
    "[sig-node] RuntimeClass should reject a Pod requesting a non-existent RuntimeClass [NodeConformance] [Conformance]",
    "[sig-node] RuntimeClass should schedule a Pod requesting a RuntimeClass and initialize its Overhead [NodeConformance] [Conformance]",
    "[sig-node] RuntimeClass should schedule a Pod requesting a RuntimeClass without PodOverhead [NodeConformance] [Conformance]",
    "[sig-node] RuntimeClass should support RuntimeClasses API operations [Conformance]",
  ].map((c) => notServed(c, "node.k8s.io/v1 RuntimeClass")),
  notServed("[sig-scheduling] LimitRange should create a LimitRange with defaults and ensure pod has those defaults applied. [Conformance]", "LimitRange (v1)"),
  notServed("[sig-scheduling] LimitRange should list, patch and delete a LimitRange by collection [Conformance]", "LimitRange (v1)"),
];
