import assert from "node:assert/strict";
import type { ControllerRevision, DaemonSet } from "kubernetes-types/apps/v1.js";
import type { Node, Pod } from "kubernetes-types/core/v1.js";
import { CONTROLLERREVISIONS, DAEMONSETS, NODES, PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import {
  IMAGES, StopWaiting, deleteCollection, isOwnedBy, isReady, listPods, podTemplate, randomSuffix, subresource, updateWithRetries, waitFor, watchUntil, type K,
} from "../kit.js";

/** test/e2e/apps/daemon_set.go, reproduced (and controller_revision.go, which drives a DaemonSet). */

type DS = K<DaemonSet>;

/** Upstream's newDaemonSetWithLabel: the label on the DaemonSet, its selector and its pods. */
export function newDaemonSet(name: string, image: string, labels: Record<string, string>): DS {
  return {
    apiVersion: "apps/v1", kind: "DaemonSet",
    metadata: { name, labels },
    spec: { selector: { matchLabels: labels }, template: podTemplate(labels, [{ name: "app", image, ports: [{ containerPort: 9376 }] }]) },
  } as DS;
}

/** The nodes a DaemonSet's pod may run on here: schedulable, no NoSchedule/NoExecute taint. */
async function schedulableNodes(ctx: ConformanceContext, selector: Record<string, string> = {}): Promise<Array<K<Node>>> {
  const nodes = (await ctx.client.list<K<Node>>(NODES)).items;
  return nodes.filter((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute") &&
    Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v));
}

/** The DaemonSet's live pods (not being deleted). */
async function daemonPods(ctx: ConformanceContext, ds: DS): Promise<Array<K<Pod>>> {
  return (await listPods(ctx)).filter((p) => isOwnedBy(p, ds.metadata.uid) && !p.metadata.deletionTimestamp);
}

/** Upstream's checkDaemonPodOnNodes: exactly one available daemon pod on each of `nodes`, none elsewhere. */
async function runningOn(ctx: ConformanceContext, ds: DS, nodes: string[]): Promise<boolean> {
  const pods = await daemonPods(ctx, ds);
  const perNode = new Map<string, number>();
  for (const p of pods) if (isReady(p)) perNode.set(p.spec!.nodeName ?? "", (perNode.get(p.spec!.nodeName ?? "") ?? 0) + 1);
  return nodes.every((n) => perNode.get(n) === 1) && [...perNode.keys()].every((n) => nodes.includes(n));
}

async function waitRunningOnAllNodes(ctx: ConformanceContext, ds: DS): Promise<void> {
  await waitFor(ctx, `daemon pods of ${ds.metadata.name} running on every node`, async () => runningOn(ctx, ds, (await schedulableNodes(ctx)).map((n) => n.metadata.name!)));
}

/** Upstream's CheckDaemonStatus: desired = current = ready. */
async function waitDaemonStatus(ctx: ConformanceContext, name: string): Promise<void> {
  await waitFor(ctx, `daemon set ${name} status desired = current = ready`, async () => {
    const s = (await ctx.client.get<DS>(DAEMONSETS, ctx.namespace, name)).status;
    return s !== undefined && s.desiredNumberScheduled > 0 && s.desiredNumberScheduled === s.currentNumberScheduled && s.desiredNumberScheduled === s.numberReady;
  });
}

async function createAndWait(ctx: ConformanceContext, ds: DS): Promise<DS> {
  const created = await ctx.client.create<DS>(DAEMONSETS, ctx.namespace, ds);
  await waitRunningOnAllNodes(ctx, created);
  await waitDaemonStatus(ctx, created.metadata.name!);
  return created;
}

const patchNodeLabel = (ctx: ConformanceContext, node: string, value: string | null) =>
  ctx.client.patch(NODES, undefined, node, "strategic", { metadata: { labels: { "daemonset-color": value } } });

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] Daemon set [Serial] should run and stop simple daemon [Conformance]",
    async run(ctx) {
      const ds = await createAndWait(ctx, newDaemonSet("daemon-set", IMAGES.webserver, { "daemonset-name": "daemon-set" }));
      const victim = (await daemonPods(ctx, ds))[0]!;
      await ctx.client.delete(PODS, ctx.namespace, victim.metadata.name!);
      await waitFor(ctx, "the deleted daemon pod revived", async () => !(await daemonPods(ctx, ds)).some((p) => p.metadata.uid === victim.metadata.uid) && runningOn(ctx, ds, (await schedulableNodes(ctx)).map((n) => n.metadata.name!)));
    },
  },
  {
    codename: "[sig-apps] Daemon set [Serial] should run and stop complex daemon [Conformance]",
    async run(ctx) {
      const ds = newDaemonSet("daemon-set", IMAGES.webserver, { "daemonset-name": "daemon-set" });
      ds.spec!.template!.spec!.nodeSelector = { "daemonset-color": "blue" };
      const created = await ctx.client.create<DS>(DAEMONSETS, ctx.namespace, ds);
      await waitFor(ctx, "the DaemonSet observed", async () => (await ctx.client.get<DS>(DAEMONSETS, ctx.namespace, "daemon-set")).status?.observedGeneration === created.metadata.generation);
      assert.equal((await daemonPods(ctx, created)).length, 0, "no daemon pods on nodes without the label");
      const node = (await schedulableNodes(ctx))[0]!.metadata.name!;
      try {
        await patchNodeLabel(ctx, node, "blue");
        await waitFor(ctx, "a daemon pod on the blue node", () => runningOn(ctx, created, [node]));
        await waitDaemonStatus(ctx, "daemon-set");
        await patchNodeLabel(ctx, node, "green");
        await waitFor(ctx, "the daemon pod gone from the green node", async () => (await daemonPods(ctx, created)).length === 0);
        await ctx.client.patch(DAEMONSETS, ctx.namespace, "daemon-set", "strategic", {
          spec: { template: { spec: { nodeSelector: { "daemonset-color": "green" } } }, updateStrategy: { type: "RollingUpdate" } },
        });
        await waitFor(ctx, "a daemon pod on the green node", () => runningOn(ctx, created, [node]));
        await waitDaemonStatus(ctx, "daemon-set");
      } finally {
        await patchNodeLabel(ctx, node, null).catch(() => {});
      }
    },
  },
  {
    codename: "[sig-apps] Daemon set [Serial] should retry creating failed daemon pods [Conformance]",
    async run(ctx) {
      const ds = await createAndWait(ctx, newDaemonSet("daemon-set", IMAGES.webserver, { "daemonset-name": "daemon-set" }));
      const victim = (await daemonPods(ctx, ds))[0]!;
      await updateWithRetries<K<Pod>>(ctx, PODS, victim.metadata.name!, (p) => {
        (p as { status: unknown }).status = { ...p.status, phase: "Failed" };
      }, "status");
      await waitFor(ctx, "the failed daemon pod deleted", async () => {
        const pod = (await listPods(ctx)).find((p) => p.metadata.uid === victim.metadata.uid);
        if (pod?.status?.phase === "Running") throw new StopWaiting(`pod ${pod.metadata.name} went from Failed back to Running`);
        return pod === undefined;
      });
      await waitRunningOnAllNodes(ctx, ds);
    },
  },
  {
    codename: "[sig-apps] Daemon set [Serial] should update pod when spec was updated and update strategy is RollingUpdate [Conformance]",
    async run(ctx) {
      const d = newDaemonSet("daemon-set", IMAGES.webserver, { "daemonset-name": "daemon-set" });
      d.spec!.updateStrategy = { type: "RollingUpdate" };
      const ds = await createAndWait(ctx, d);
      await waitHistory(ctx, ds, 1);
      await ctx.client.patch(DAEMONSETS, ctx.namespace, "daemon-set", "strategic", { spec: { template: { spec: { containers: [{ name: "app", image: IMAGES.agnhost }] } } } });
      await waitFor(ctx, "every daemon pod on the new image", async () => {
        const pods = await daemonPods(ctx, ds);
        return pods.length > 0 && pods.every((p) => p.spec!.containers[0]!.image === IMAGES.agnhost) && runningOn(ctx, ds, (await schedulableNodes(ctx)).map((n) => n.metadata.name!));
      });
      await waitDaemonStatus(ctx, "daemon-set");
      await waitHistory(ctx, ds, 2);
    },
  },
  {
    codename: "[sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance]",
    async run(ctx) {
      const d = newDaemonSet("daemon-set", IMAGES.webserver, { "daemonset-name": "daemon-set" });
      d.spec!.updateStrategy = { type: "RollingUpdate" };
      const ds = await createAndWait(ctx, d);
      await updateWithRetries<DS>(ctx, DAEMONSETS, "daemon-set", (u) => (u.spec!.template!.spec!.containers[0]!.image = "foo:non-existent"));
      await waitFor(ctx, "a daemon pod on the new (broken) image", async () => (await daemonPods(ctx, ds)).some((p) => p.spec!.containers[0]!.image === "foo:non-existent"));
      // The pods still on the old image are the ones a rollback must leave alone.
      const untouched = (await daemonPods(ctx, ds)).filter((p) => p.spec!.containers[0]!.image === IMAGES.webserver).map((p) => p.metadata.uid);
      await updateWithRetries<DS>(ctx, DAEMONSETS, "daemon-set", (u) => (u.spec!.template!.spec!.containers[0]!.image = IMAGES.webserver));
      await waitFor(ctx, "every daemon pod back on the old image", async () => {
        const pods = await daemonPods(ctx, ds);
        return pods.length > 0 && pods.every((p) => p.spec!.containers[0]!.image === IMAGES.webserver) && runningOn(ctx, ds, (await schedulableNodes(ctx)).map((n) => n.metadata.name!));
      });
      const now = new Set((await daemonPods(ctx, ds)).map((p) => p.metadata.uid));
      for (const uid of untouched) assert.ok(now.has(uid), `pod ${uid} untouched by the update was restarted by the rollback`);
    },
  },
  {
    codename: "[sig-apps] Daemon set [Serial] should list and delete a collection of DaemonSets [Conformance]",
    async run(ctx) {
      const label = { "daemonset-name": `daemon-set-${randomSuffix()}` };
      const selector = `daemonset-name=${label["daemonset-name"]}`;
      await createAndWait(ctx, newDaemonSet("daemon-set", IMAGES.webserver, label));
      assert.equal((await ctx.client.list(DAEMONSETS, undefined, { labelSelector: selector })).items.length, 1, "filtered list wasn't found");
      await deleteCollection(ctx, DAEMONSETS, selector);
      assert.equal((await ctx.client.list(DAEMONSETS, undefined, { labelSelector: selector })).items.length, 0, "filtered list should have no daemonset");
    },
  },
  {
    codename: "[sig-apps] Daemon set [Serial] should verify changes to a daemon set status [Conformance]",
    async run(ctx) {
      const label = { "daemonset-name": `daemon-set-${randomSuffix()}` };
      const selector = `daemonset-name=${label["daemonset-name"]}`;
      const list = await ctx.client.list(DAEMONSETS, undefined, { labelSelector: selector });
      const ds = await createAndWait(ctx, newDaemonSet("daemon-set", IMAGES.webserver, label));
      const status = await subresource<DS>(ctx, DAEMONSETS, "daemon-set", "status");
      assert.equal(status.metadata.name, "daemon-set");
      await updateWithRetries<DS>(ctx, DAEMONSETS, "daemon-set", (x) => {
        (x as { status: unknown }).status = { ...x.status, conditions: [...(x.status?.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }] };
      }, "status");
      const ours = (x: DS) => x.metadata.name === ds.metadata.name && x.metadata.namespace === ctx.namespace && x.metadata.labels?.["daemonset-name"] === label["daemonset-name"];
      await watchUntil<DS>(ctx, DAEMONSETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the StatusUpdate condition", (_, x) =>
        ours(x) && (x.status?.conditions ?? []).some((c) => c.type === "StatusUpdate" && c.reason === "E2E" && c.message === "Set from e2e test"));
      await ctx.client.patch(DAEMONSETS, ctx.namespace, "daemon-set", "merge", { status: { conditions: [{ type: "StatusPatched", status: "True" }] } }, "status");
      await watchUntil<DS>(ctx, DAEMONSETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the StatusPatched condition", (_, x) =>
        ours(x) && (x.status?.conditions ?? []).some((c) => c.type === "StatusPatched"));
    },
  },
];

/**
 * Upstream's waitForHistoryCreated + checkDaemonSetPodsLabels: `n` ControllerRevisions of the DaemonSet,
 * and every daemon pod labelled with the hash of the newest (current) one.
 */
async function waitHistory(ctx: ConformanceContext, ds: DS, n: number): Promise<void> {
  await waitFor(ctx, `${n} controller revisions of ${ds.metadata.name}, the pods labelled with the current one`, async () => {
    const revs = (await ctx.client.list<K<ControllerRevision>>(CONTROLLERREVISIONS, ctx.namespace)).items.filter((r) => isOwnedBy(r, ds.metadata.uid));
    if (revs.length !== n) return false;
    const current = revs.reduce((a, b) => (b.revision > a.revision ? b : a));
    const hash = current.metadata.labels?.["controller-revision-hash"];
    const pods = await daemonPods(ctx, ds);
    return hash !== undefined && pods.length > 0 && pods.every((p) => p.metadata.labels?.["controller-revision-hash"] === hash && p.metadata.labels?.["pod-template-generation"] !== undefined);
  });
}
