import assert from "node:assert/strict";
import { CONFIGMAPS } from "../../client/resources.js";
import type { KubeObject } from "../../api/types.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { Collector, suffix, waitFor } from "../core-kit.js";

/** Upstream's test/e2e/apimachinery/watch.go: watches on configmaps, by label and resource version. */

const LABEL = "watch-this-configmap";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

function configMap(name: string, label: string): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { [LABEL]: label } } };
}

async function mutate(ctx: ConformanceContext, name: string, value: string): Promise<ConfigMap> {
  return ctx.client.patch<ConfigMap>(CONFIGMAPS, ctx.namespace, name, "merge", { data: { mutation: value } });
}

const mutation = (e: { object: ConfigMap }) => e.object.data?.mutation;

/** Gives a watch that should stay quiet a moment to deliver what it should not have. */
async function settle(ctx: ConformanceContext): Promise<void> {
  // A write to a marker configmap no watcher selects: once its own watch has seen it, every earlier event
  // was delivered (the server sends events in revision order on every watch).
  const name = `settle-marker-${suffix()}`;
  const probe = await Collector.start(ctx, CONFIGMAPS, ctx.namespace, { fieldSelector: `metadata.name=${name}` });
  await ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
  await probe.waitFor("the settle marker", () => true);
  probe.stop();
  await ctx.client.delete(CONFIGMAPS, ctx.namespace, name);
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]",
    async run(ctx) {
      const a = await Collector.start<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: `${LABEL}=multiple-watchers-A` });
      const b = await Collector.start<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: `${LABEL}=multiple-watchers-B` });
      const ab = await Collector.start<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: `${LABEL} in (multiple-watchers-A,multiple-watchers-B)` });
      await ctx.client.create(CONFIGMAPS, ctx.namespace, configMap("e2e-watch-test-configmap-a", "multiple-watchers-A"));
      await mutate(ctx, "e2e-watch-test-configmap-a", "1");
      await mutate(ctx, "e2e-watch-test-configmap-a", "2");
      await ctx.client.delete(CONFIGMAPS, ctx.namespace, "e2e-watch-test-configmap-a");
      await ctx.client.create(CONFIGMAPS, ctx.namespace, configMap("e2e-watch-test-configmap-b", "multiple-watchers-B"));
      await ctx.client.delete(CONFIGMAPS, ctx.namespace, "e2e-watch-test-configmap-b");
      const seqA = ["ADDED e2e-watch-test-configmap-a", "MODIFIED e2e-watch-test-configmap-a", "MODIFIED e2e-watch-test-configmap-a", "DELETED e2e-watch-test-configmap-a"];
      const seqB = ["ADDED e2e-watch-test-configmap-b", "DELETED e2e-watch-test-configmap-b"];
      await ab.waitFor("all six events on the A-or-B watch", () => true, 6);
      await a.waitFor("A's four events", () => true, 4);
      await b.waitFor("B's two events", () => true, 2);
      await settle(ctx);
      for (const w of [a, b, ab]) w.stop();
      assert.deepEqual(a.sequence(), seqA, "watcher A");
      assert.deepEqual(b.sequence(), seqB, "watcher B");
      assert.deepEqual(ab.sequence(), [...seqA, ...seqB], "watcher A or B");
      assert.deepEqual(a.events.map(mutation), [undefined, "1", "2", "2"], "A's events carry each mutation");
    },
  },
  {
    codename: "[sig-api-machinery] Watchers should be able to start watching from a specific resource version [Conformance]",
    async run(ctx) {
      const name = "e2e-watch-test-resource-version";
      await ctx.client.create(CONFIGMAPS, ctx.namespace, configMap(name, "from-resource-version"));
      const first = await mutate(ctx, name, "1");
      await mutate(ctx, name, "2");
      await ctx.client.delete(CONFIGMAPS, ctx.namespace, name);
      const w = new Collector<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: `${LABEL}=from-resource-version`, resourceVersion: first.metadata.resourceVersion });
      await w.waitFor("the second modification and the deletion", () => true, 2);
      await settle(ctx);
      w.stop();
      assert.deepEqual(w.sequence(), [`MODIFIED ${name}`, `DELETED ${name}`]);
      assert.deepEqual(w.events.map(mutation), ["2", "2"]);
    },
  },
  {
    codename: "[sig-api-machinery] Watchers should be able to restart watching from the last resource version observed by the previous watch [Conformance]",
    async run(ctx) {
      const name = "e2e-watch-test-watch-closed";
      const selector = `${LABEL}=watch-closed-and-restarted`;
      const w1 = await Collector.start<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: selector });
      await ctx.client.create(CONFIGMAPS, ctx.namespace, configMap(name, "watch-closed-and-restarted"));
      await mutate(ctx, name, "1");
      const seen = await w1.waitFor("ADDED and the first MODIFIED", () => true, 2);
      w1.stop();
      const last = seen[1]!.object.metadata.resourceVersion;
      await mutate(ctx, name, "2");
      await ctx.client.delete(CONFIGMAPS, ctx.namespace, name);
      const w2 = new Collector<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: selector, resourceVersion: last });
      await w2.waitFor("the changes made while no watch was open", () => true, 2);
      await settle(ctx);
      w2.stop();
      assert.deepEqual(w2.sequence(), [`MODIFIED ${name}`, `DELETED ${name}`]);
      assert.deepEqual(w2.events.map(mutation), ["2", "2"]);
    },
  },
  {
    codename: "[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]",
    async run(ctx) {
      const name = "e2e-watch-test-label-changed";
      const w = await Collector.start<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { labelSelector: `${LABEL}=label-changed-and-restored` });
      await ctx.client.create(CONFIGMAPS, ctx.namespace, configMap(name, "label-changed-and-restored"));
      await mutate(ctx, name, "1");
      await ctx.client.patch(CONFIGMAPS, ctx.namespace, name, "merge", { metadata: { labels: { [LABEL]: "wrong-value" } } });
      await w.waitFor("DELETED when the label stops matching", (e) => e.type === "DELETED");
      await mutate(ctx, name, "2");
      await settle(ctx);
      assert.equal(w.events.length, 3, `no event while the label does not match: ${w.sequence().join(", ")}`);
      await ctx.client.patch(CONFIGMAPS, ctx.namespace, name, "merge", { metadata: { labels: { [LABEL]: "label-changed-and-restored" } } });
      await mutate(ctx, name, "3");
      await ctx.client.delete(CONFIGMAPS, ctx.namespace, name);
      await w.waitFor("all six events", () => true, 6);
      await settle(ctx);
      w.stop();
      assert.deepEqual(w.sequence().map((s) => s.split(" ")[0]), ["ADDED", "MODIFIED", "DELETED", "ADDED", "MODIFIED", "DELETED"]);
      assert.deepEqual(w.events.slice(3).map(mutation), ["2", "3", "3"], "the restored object carries the change made while it did not match");
    },
  },
  {
    codename: "[sig-api-machinery] Watchers should receive events on concurrent watches in same order [Conformance]",
    async run(ctx) {
      const list = await ctx.client.list(CONFIGMAPS, ctx.namespace);
      const first = new Collector<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { resourceVersion: list.metadata.resourceVersion });
      const followers: Array<{ from: number; w: Collector<ConfigMap> }> = [];
      const writes = 60;
      const writer = (async () => {
        for (let i = 0; i < writes; i++) {
          const name = `cm-${i % 7}`;
          const op = i % 3;
          if (op === 0) await ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name } }).catch(() => mutate(ctx, name, String(i)));
          else if (op === 1) await mutate(ctx, name, String(i)).catch(() => {});
          else await ctx.client.delete(CONFIGMAPS, ctx.namespace, name).catch(() => {});
        }
      })();
      // Start a second watch at the resource version of each of the first events, while the writes go on.
      for (let i = 0; i < 10; i++) {
        const [e] = (await first.waitFor(`event ${i}`, () => true, i + 1)).slice(i);
        followers.push({ from: i, w: new Collector<ConfigMap>(ctx, CONFIGMAPS, ctx.namespace, { resourceVersion: e!.object.metadata.resourceVersion }) });
      }
      await writer;
      const total = await waitFor("the first watch to stop growing", async () => {
        const n = first.events.length;
        await new Promise((r) => setTimeout(r, 300));
        return n === first.events.length ? n : undefined;
      });
      const rvs = first.events.map((e) => e.object.metadata.resourceVersion);
      for (const { from, w } of followers) {
        await w.waitFor(`the watch from event ${from} to catch up`, () => true, total - from - 1);
        w.stop();
        assert.deepEqual(w.events.map((e) => e.object.metadata.resourceVersion), rvs.slice(from + 1), `the watch started at event ${from} sees the same events in the same order`);
      }
      first.stop();
    },
  },
];
