import assert from "node:assert/strict";
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { DEPLOYMENTS, PODS, REPLICASETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import {
  EventStream, IMAGES, StopWaiting, deleteCollection, isOwnedBy, podTemplate, randomSuffix, subresource, updateWithRetries, waitFor, waitPodsReady,
  watchUntil, type K,
} from "../kit.js";
import { newRS } from "./replicasets.js";

/** test/e2e/apps/deployment.go, reproduced. */

const REVISION = "deployment.kubernetes.io/revision";

/** Upstream's e2edeployment.NewDeployment: labels on the Deployment, selector and pods; one container. */
function newDeployment(name: string, replicas: number, labels: Record<string, string>, containerName: string, image: string, strategy: "RollingUpdate" | "Recreate"): K<Deployment> {
  return {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name, labels },
    spec: { replicas, selector: { matchLabels: labels }, strategy: { type: strategy }, template: podTemplate(labels, [{ name: containerName, image }]) },
  } as K<Deployment>;
}

type D = K<Deployment>;
type RS = K<ReplicaSet>;

const getD = (ctx: ConformanceContext, name: string) => ctx.client.get<D>(DEPLOYMENTS, ctx.namespace, name);
const getRS = (ctx: ConformanceContext, name: string) => ctx.client.get<RS>(REPLICASETS, ctx.namespace, name);

/** The ReplicaSets the Deployment owns, and among them the one whose pod template is the Deployment's (the new one). */
async function replicaSetsOf(ctx: ConformanceContext, d: D): Promise<{ all: RS[]; newRS?: RS; old: RS[] }> {
  const all = (await ctx.client.list<RS>(REPLICASETS, ctx.namespace)).items.filter((rs) => isOwnedBy(rs, d.metadata.uid));
  const key = (containers: Array<{ name: string; image?: string }>) => JSON.stringify(containers.map((c) => [c.name, c.image]));
  const want = key(d.spec!.template!.spec!.containers);
  const newRS = all.find((rs) => key(rs.spec!.template!.spec!.containers) === want);
  return { all, newRS, old: all.filter((rs) => rs !== newRS) };
}

/** Upstream's WaitForDeploymentRevisionAndImage: the Deployment and its new ReplicaSet at `revision`, on `image`. */
async function waitRevisionAndImage(ctx: ConformanceContext, name: string, revision: string, image: string): Promise<void> {
  let seen = "";
  try {
    await waitFor(ctx, `deployment ${name} at revision ${revision} with image ${image}`, async () => {
      const d = await getD(ctx, name);
      const { newRS } = await replicaSetsOf(ctx, d);
      seen = `deployment revision ${d.metadata.annotations?.[REVISION]}, new replica set ${newRS?.metadata.name} revision ${newRS?.metadata.annotations?.[REVISION]}`;
      const rsRevision = newRS?.metadata.annotations?.[REVISION];
      // A template's replica set keeps its revision (only a rollback moves it): a wrong one will not change.
      if (rsRevision && rsRevision !== revision && newRS!.spec!.template!.spec!.containers[0]!.image === image) throw new StopWaiting(seen);
      return d.metadata.annotations?.[REVISION] === revision && newRS?.metadata.annotations?.[REVISION] === revision &&
        d.spec!.template!.spec!.containers[0]!.image === image && newRS.spec!.template!.spec!.containers[0]!.image === image;
    });
  } catch (err) {
    throw new Error(`Deployment ${name} did not reach revision ${revision} with image ${image}: saw ${seen}`, { cause: err });
  }
}

/** Upstream's DeploymentComplete: every replica updated and available, the latest generation observed. */
function complete(d: D): boolean {
  const want = d.spec!.replicas ?? 1;
  const s = d.status ?? {};
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

async function waitComplete(ctx: ConformanceContext, name: string): Promise<D> {
  return waitFor(ctx, `deployment ${name} complete`, async () => {
    const d = await getD(ctx, name);
    return complete(d) ? d : undefined;
  });
}

async function waitRSSpecReplicas(ctx: ConformanceContext, name: string, n: number): Promise<void> {
  let seen: number | undefined;
  try {
    await waitFor(ctx, `replicaset ${name} with spec.replicas ${n}`, async () => (seen = (await getRS(ctx, name)).spec!.replicas) === n);
  } catch (err) {
    throw new Error(`${(err as Error).message}; it has ${seen}`, { cause: err });
  }
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] Deployment Deployment should have a working scale subresource [Conformance]",
    async run(ctx) {
      const name = "test-new-deployment";
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, newDeployment(name, 1, { name: "httpd" }, "httpd", IMAGES.webserver, "RollingUpdate"));
      await waitRevisionAndImage(ctx, name, "1", IMAGES.webserver);
      await waitComplete(ctx, name);
      type Scale = K<{ spec: { replicas: number }; status: { replicas: number } }>;
      const scale = await subresource<Scale>(ctx, DEPLOYMENTS, name, "scale");
      assert.equal(scale.spec.replicas, 1);
      assert.equal(scale.status.replicas, 1);
      scale.metadata.resourceVersion = "";
      scale.spec.replicas = 2;
      assert.equal((await subresource<Scale>(ctx, DEPLOYMENTS, name, "scale", "PUT", scale)).spec.replicas, 2);
      assert.equal((await getD(ctx, name)).spec!.replicas, 2);
      await ctx.client.patch(DEPLOYMENTS, ctx.namespace, name, "strategic", { spec: { replicas: 4 } }, "scale");
      assert.equal((await getD(ctx, name)).spec!.replicas, 4, "deployment should have 4 replicas");
    },
  },
  {
    codename: "[sig-apps] Deployment RecreateDeployment should delete old pods and create new ones [Conformance]",
    async run(ctx) {
      const name = "test-recreate-deployment";
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, newDeployment(name, 1, { name: "sample-pod-3" }, "agnhost", IMAGES.agnhost, "Recreate"));
      await waitRevisionAndImage(ctx, name, "1", IMAGES.agnhost);
      const before = await waitComplete(ctx, name);
      const events = EventStream.open<D>(ctx, DEPLOYMENTS, { resourceVersion: before.metadata.resourceVersion, fieldSelector: `metadata.name=${name}` });
      try {
        await updateWithRetries<D>(ctx, DEPLOYMENTS, name, (d) => {
          d.spec!.template!.spec!.containers[0]!.name = "httpd";
          d.spec!.template!.spec!.containers[0]!.image = IMAGES.webserver;
        });
        // Upstream's watchRecreateDeployment: no status ever shows updated pods beside old ones, until complete.
        await events.next("the Recreate rollout complete", (_, d) => {
          const s = d.status ?? {};
          if ((s.updatedReplicas ?? 0) > 0 && s.replicas !== s.updatedReplicas) {
            throw new Error(`deployment ${name} is running new pods with old pods: ${JSON.stringify(s)}`);
          }
          return d.metadata.generation === s.observedGeneration && complete(d) && d.spec!.template!.spec!.containers[0]!.image === IMAGES.webserver;
        });
      } finally {
        events.close();
      }
    },
  },
  {
    codename: "[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones [Conformance]",
    async run(ctx) {
      const rs = newRS("test-rolling-update-controller", 1, { name: "sample-pod", pod: "httpd" }, "httpd", IMAGES.webserver);
      rs.metadata.annotations = { [REVISION]: "3546343826724305832" };
      await ctx.client.create(REPLICASETS, ctx.namespace, rs);
      await waitPodsReady(ctx, "name=sample-pod", 1);
      const name = "test-rolling-update-deployment";
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, newDeployment(name, 1, { name: "sample-pod" }, "agnhost", IMAGES.agnhost, "RollingUpdate"));
      await waitRevisionAndImage(ctx, name, "3546343826724305833", IMAGES.agnhost);
      const d = await waitComplete(ctx, name);
      assert.equal((await replicaSetsOf(ctx, d)).old.length, 1, "one old replica set (the one it adopted)");
    },
  },
  {
    codename: "[sig-apps] Deployment deployment should delete old replica sets [Conformance]",
    async run(ctx) {
      await ctx.client.create(REPLICASETS, ctx.namespace, newRS("test-cleanup-controller", 1, { name: "cleanup-pod", pod: "httpd" }, "httpd", IMAGES.webserver));
      await waitPodsReady(ctx, "name=cleanup-pod", 1);
      const pods = await ctx.client.list(PODS, ctx.namespace);
      // Only one pod is created from here on, the new template's: adding the pod-template-hash to the
      // adopted ReplicaSet's selector must not make it create one.
      const created: Array<K<Pod>> = [];
      const watching = EventStream.open<K<Pod>>(ctx, PODS, { resourceVersion: pods.metadata.resourceVersion });
      try {
        const name = "test-cleanup-deployment";
        const d = newDeployment(name, 1, { name: "cleanup-pod" }, "agnhost", IMAGES.agnhost, "RollingUpdate");
        d.spec!.revisionHistoryLimit = 0;
        const made = await ctx.client.create<D>(DEPLOYMENTS, ctx.namespace, d);
        await waitFor(ctx, "deployment history cleaned up (no old replica set)", async () => {
          const { old, newRS } = await replicaSetsOf(ctx, await getD(ctx, name));
          return newRS !== undefined && old.length === 0 && (await ctx.client.list<RS>(REPLICASETS, ctx.namespace)).items.filter((rs) => isOwnedBy(rs, made.metadata.uid)).length === 1;
        });
        await waitComplete(ctx, name);
        for (const { type, obj } of watching.drain()) if (type === "ADDED") created.push(obj);
        assert.deepEqual(created.map((p) => p.spec!.containers[0]!.name), ["agnhost"], "only one pod created, with the agnhost container");
      } finally {
        watching.close();
      }
    },
  },
  {
    codename: "[sig-apps] Deployment deployment should support rollover [Conformance]",
    async run(ctx) {
      const rsName = "test-rollover-controller";
      await ctx.client.create(REPLICASETS, ctx.namespace, newRS(rsName, 1, { name: "rollover-pod", pod: "httpd" }, "httpd", IMAGES.webserver));
      await waitPodsReady(ctx, "name=rollover-pod", 1);
      await waitFor(ctx, `replicaset ${rsName} ready`, async () => (await getRS(ctx, rsName)).status?.readyReplicas === 1);
      const name = "test-rollover-deployment";
      const badImage = "gcr.io/google_samples/gb-redisslave:nonexistent";
      const d = newDeployment(name, 1, { name: "rollover-pod" }, "redis-slave", badImage, "RollingUpdate");
      d.spec!.strategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: 1 };
      d.spec!.minReadySeconds = 10;
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, d);
      await waitFor(ctx, "the deployment to scale up its new replica set", async () => ((await getD(ctx, name)).status?.updatedReplicas ?? 0) >= 1);
      await waitRevisionAndImage(ctx, name, "1", badImage);
      const stuckRS = await waitFor(ctx, "both replica sets with 1 created replica", async () => {
        const { newRS } = await replicaSetsOf(ctx, await getD(ctx, name));
        const old = await getRS(ctx, rsName);
        return newRS && old.spec!.replicas === 1 && old.status?.replicas === 1 && newRS.spec!.replicas === 1 && newRS.status?.replicas === 1 ? newRS : undefined;
      });
      const updated = await updateWithRetries<D>(ctx, DEPLOYMENTS, name, (u) => {
        u.spec!.template!.spec!.containers[0]!.name = "agnhost";
        u.spec!.template!.spec!.containers[0]!.image = IMAGES.agnhost;
      });
      await waitFor(ctx, "the update observed", async () => ((await getD(ctx, name)).status?.observedGeneration ?? 0) >= (updated.metadata.generation ?? 0));
      await waitRevisionAndImage(ctx, name, "2", IMAGES.agnhost);
      await waitComplete(ctx, name);
      for (const rsn of [rsName, stuckRS.metadata.name!]) {
        const rs = await waitFor(ctx, `replicaset ${rsn} scaled to 0`, async () => {
          const got = await getRS(ctx, rsn);
          return got.status?.replicas === 0 ? got : undefined;
        });
        assert.equal(rs.spec!.replicas, 0, `replicaset ${rsn} has spec.replicas 0`);
      }
    },
  },
  {
    codename: "[sig-apps] Deployment deployment should support proportional scaling [Conformance]",
    async run(ctx) {
      // The pause image stands in for httpd: 20 running pods of a web server would cost the shared
      // machine much, and nothing here dials them.
      const name = "webserver-deployment";
      const d = newDeployment(name, 10, { name: "httpd" }, "httpd", IMAGES.pause, "RollingUpdate");
      d.spec!.strategy!.rollingUpdate = { maxSurge: 3, maxUnavailable: 2 };
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, d);
      await waitPodsReady(ctx, "name=httpd", 10, 90_000);
      const first = await waitComplete(ctx, name);
      const firstRS = (await replicaSetsOf(ctx, first)).newRS!;
      const updated = await updateWithRetries<D>(ctx, DEPLOYMENTS, name, (u) => (u.spec!.template!.spec!.containers[0]!.image = "webserver:404"));
      await waitFor(ctx, "the update observed", async () => ((await getD(ctx, name)).status?.observedGeneration ?? 0) >= (updated.metadata.generation ?? 0));
      // 10 - maxUnavailable 2 = 8 available in the first rollout's replica set.
      await waitFor(ctx, "the first replica set with 8 available", async () => (await getRS(ctx, firstRS.metadata.name!)).status?.availableReplicas === 8);
      await waitRSSpecReplicas(ctx, firstRS.metadata.name!, 8);
      const secondRS = await waitFor(ctx, "the second rollout's replica set", async () => (await replicaSetsOf(ctx, await getD(ctx, name))).newRS);
      // 10 + maxSurge 3 - 8 = 5 replicas of the new template, none available.
      await waitRSSpecReplicas(ctx, secondRS.metadata.name!, 5);
      assert.equal((await getRS(ctx, secondRS.metadata.name!)).status?.availableReplicas ?? 0, 0);
      assert.ok(((await getD(ctx, name)).status?.availableReplicas ?? 0) >= 8, "the deployment keeps its minimum availability");
      await updateWithRetries<D>(ctx, DEPLOYMENTS, name, (u) => (u.spec!.replicas = 30));
      // 20 more, in proportion: 8 + 20·8/13 ≈ 20 and 5 + 20·5/13 ≈ 13.
      await waitRSSpecReplicas(ctx, firstRS.metadata.name!, 20);
      await waitRSSpecReplicas(ctx, secondRS.metadata.name!, 13);
    },
  },
  {
    codename: "[sig-apps] Deployment should run the lifecycle of a Deployment [Conformance]",
    async run(ctx) {
      const name = "test-deployment";
      const selector = "test-deployment-static=true";
      const list = await ctx.client.list(DEPLOYMENTS, undefined, { labelSelector: selector });
      const rv = list.metadata.resourceVersion;
      const d = newDeployment(name, 2, { "test-deployment-static": "true" }, name, IMAGES.agnhost, "RollingUpdate");
      d.spec!.template!.spec!.terminationGracePeriodSeconds = 1;
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, d);
      const ours = (x: D) => x.metadata.name === name && x.metadata.labels?.["test-deployment-static"] === "true";
      const until = (what: string, match: (type: string, x: D) => boolean) => watchUntil<D>(ctx, DEPLOYMENTS, { resourceVersion: rv, labelSelector: selector }, what, match);
      await until("the Deployment added", (t, x) => t === "ADDED" && ours(x));
      await until("2 ready replicas", (_, x) => ours(x) && x.status?.readyReplicas === 2);
      await ctx.client.patch(DEPLOYMENTS, ctx.namespace, name, "strategic", {
        metadata: { labels: { "test-deployment": "patched" } },
        spec: { replicas: 1, template: { spec: { terminationGracePeriodSeconds: 2, containers: [{ name, image: IMAGES.pause }] } } },
      });
      await until("the Deployment patched", (t, x) => t === "MODIFIED" && ours(x));
      await until("1 ready replica on the patched template", (_, x) => ours(x) && x.status?.readyReplicas === 1 && x.status.updatedReplicas === 1 &&
        (x.status.unavailableReplicas ?? 0) === 0 && x.spec!.template!.spec!.containers[0]!.image === IMAGES.pause && x.spec!.template!.spec!.terminationGracePeriodSeconds === 2);
      const all = await ctx.client.list<D>(DEPLOYMENTS, undefined, { labelSelector: selector });
      assert.ok(all.items.some((x) => ours(x) && x.metadata.namespace === ctx.namespace), "the Deployment is listed");
      // Upstream replaces the Deployment with its original object (no resourceVersion), changed.
      const replacement = newDeployment(name, 2, { "test-deployment-static": "true" }, name, IMAGES.webserver, "RollingUpdate");
      replacement.metadata.namespace = ctx.namespace;
      replacement.metadata.labels = { "test-deployment-static": "true", "test-deployment": "updated" };
      replacement.spec!.template!.spec!.terminationGracePeriodSeconds = 1;
      await ctx.client.update(DEPLOYMENTS, replacement);
      await until("the Deployment updated", (t, x) => t === "MODIFIED" && ours(x));
      let got = await subresource<D>(ctx, DEPLOYMENTS, name, "status");
      assert.equal(got.spec!.template!.spec!.containers[0]!.image, IMAGES.webserver, "failed to update image");
      assert.equal(got.metadata.labels?.["test-deployment"], "updated", "failed to update labels");
      await until("2 ready replicas on the updated template", (_, x) => ours(x) && x.status?.readyReplicas === 2 && x.status.updatedReplicas === 2 && (x.status.unavailableReplicas ?? 0) === 0);
      await ctx.client.patch(DEPLOYMENTS, ctx.namespace, name, "strategic", { metadata: { labels: { "test-deployment": "patched-status" } }, status: { readyReplicas: 0, availableReplicas: 0 } }, "status");
      await until("the status patched", (t, x) => t === "MODIFIED" && ours(x));
      got = await subresource<D>(ctx, DEPLOYMENTS, name, "status");
      assert.equal(got.spec!.template!.spec!.containers[0]!.image, IMAGES.webserver, "failed to update image");
      assert.equal(got.metadata.labels?.["test-deployment"], "updated", "a status patch leaves the labels alone");
      await until("2 ready replicas again", (_, x) => ours(x) && x.status?.readyReplicas === 2 && x.status.updatedReplicas === 2 && (x.status.unavailableReplicas ?? 0) === 0 &&
        x.spec!.template!.spec!.containers[0]!.image === IMAGES.webserver);
      await deleteCollection(ctx, DEPLOYMENTS, selector, 1);
      await until("the Deployment deleted", (t, x) => t === "DELETED" && ours(x));
    },
  },
  {
    codename: "[sig-apps] Deployment should validate Deployment Status endpoints [Conformance]",
    async run(ctx) {
      const name = `test-deployment-${randomSuffix()}`;
      const selector = "e2e=testing";
      const list = await ctx.client.list(DEPLOYMENTS, undefined, { labelSelector: selector });
      await ctx.client.create(DEPLOYMENTS, ctx.namespace, newDeployment(name, 1, { name: "httpd", e2e: "testing" }, "httpd", IMAGES.webserver, "RollingUpdate"));
      await waitRevisionAndImage(ctx, name, "1", IMAGES.webserver);
      await waitComplete(ctx, name);
      const status = await subresource<D>(ctx, DEPLOYMENTS, name, "status");
      assert.equal(status.metadata.name, name);
      await updateWithRetries<D>(ctx, DEPLOYMENTS, name, (x) => {
        (x as { status: unknown }).status = { ...x.status, conditions: [...(x.status?.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }] };
      }, "status");
      const ours = (x: D) => x.metadata.name === name && x.metadata.namespace === ctx.namespace && x.metadata.labels?.e2e === "testing";
      await watchUntil<D>(ctx, DEPLOYMENTS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the StatusUpdate condition", (_, x) =>
        ours(x) && (x.status?.conditions ?? []).some((c) => c.type === "StatusUpdate" && c.reason === "E2E" && c.message === "Set from e2e test"));
      await ctx.client.patch(DEPLOYMENTS, ctx.namespace, name, "merge", { status: { conditions: [{ type: "StatusPatched", status: "True" }] } }, "status");
      await watchUntil<D>(ctx, DEPLOYMENTS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the StatusPatched condition", (_, x) =>
        ours(x) && (x.status?.conditions ?? []).some((c) => c.type === "StatusPatched"));
    },
  },
];
