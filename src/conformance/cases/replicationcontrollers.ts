import assert from "node:assert/strict";
import type { Pod, ReplicationController } from "kubernetes-types/core/v1.js";
import { isNotFound } from "../../api/errors.js";
import { PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import {
  EventStream, IMAGES, REPLICATIONCONTROLLERS, deleteCollection, httpGet, isOwnedBy, listPods, podTemplate, randomSuffix, subresource,
  updateWithRetries, waitFor, waitPodsReady, type K,
} from "../kit.js";

/** test/e2e/apps/rc.go, reproduced. */

function newRC(name: string, replicas: number, labels: Record<string, string>, containerName: string, image: string): K<ReplicationController> {
  return {
    apiVersion: "v1", kind: "ReplicationController",
    metadata: { name },
    spec: { replicas, template: podTemplate(labels, [{ name: containerName, image }]) },
  } as K<ReplicationController>;
}

type Scale = K<{ spec: { replicas: number }; status: { replicas: number } }>;

async function statusReplicas(ctx: ConformanceContext, name: string, n: number): Promise<void> {
  await waitFor(ctx, `replicationcontroller ${name} with status.replicas ${n}`, async () =>
    (await ctx.client.get<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, name)).status?.replicas === n);
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] ReplicationController should serve a basic image on each replica with a public image [Conformance]",
    async run(ctx) {
      const name = `my-hostname-basic-${randomSuffix()}`;
      const rc = newRC(name, 1, { name }, name, IMAGES.serveHostname);
      (rc.spec!.template!.spec!.containers[0] as { ports?: unknown }).ports = [{ containerPort: 80 }];
      const created = await ctx.client.create<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, rc);
      const pods = await waitPodsReady(ctx, `name=${name}`, 1);
      for (const pod of pods) {
        assert.ok(isOwnedBy(pod, created.metadata.uid), `pod ${pod.metadata.name} is owned by the ReplicationController`);
        const ip = pod.status!.podIP!;
        await waitFor(ctx, `pod ${pod.metadata.name} answering its name`, async () => (await httpGet(ip, 80, "/hostname.html", ctx.signal)).body.trim() === pod.metadata.name);
      }
    },
  },
  {
    codename: "[sig-apps] ReplicationController should surface a failure condition on a common issue like exceeded quota [Conformance]",
    notServed: "ResourceQuota (v1 resourcequotas) and quota admission",
    async run() {},
  },
  {
    codename: "[sig-apps] ReplicationController should adopt matching pods on creation [Conformance]",
    async run(ctx) {
      const name = "pod-adoption";
      await ctx.client.create(PODS, ctx.namespace, { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { name } }, spec: { containers: [{ name, image: IMAGES.webserver }] } });
      await waitPodsReady(ctx, `name=${name}`, 1);
      const rc = newRC(name, 1, { name }, name, IMAGES.webserver);
      rc.spec!.selector = { name };
      const created = await ctx.client.create<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, rc);
      await waitFor(ctx, "the orphan pod adopted (or replaced)", async () => {
        try {
          return isOwnedBy(await ctx.client.get(PODS, ctx.namespace, name), created.metadata.uid);
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      });
    },
  },
  {
    codename: "[sig-apps] ReplicationController should release no longer matching pods [Conformance]",
    async run(ctx) {
      const name = "pod-release";
      const rc = newRC(name, 1, { name }, name, IMAGES.webserver);
      rc.spec!.selector = { name };
      const created = await ctx.client.create<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, rc);
      const pod = await waitFor(ctx, "a pod of the ReplicationController", async () => (await listPods(ctx, `name=${name}`)).find((p) => isOwnedBy(p, created.metadata.uid)));
      await updateWithRetries<K<Pod>>(ctx, PODS, pod.metadata.name!, (p) => (p.metadata.labels = { name: "not-matching-name" }));
      await waitFor(ctx, "the pod released", async () => !isOwnedBy(await ctx.client.get(PODS, ctx.namespace, pod.metadata.name!), created.metadata.uid));
    },
  },
  {
    codename: "[sig-apps] ReplicationController should test the lifecycle of a ReplicationController [Conformance]",
    async run(ctx) {
      const name = "rc-test";
      const labels = { "test-rc-static": "true" };
      const list = await ctx.client.list(REPLICATIONCONTROLLERS, ctx.namespace, { labelSelector: "test-rc-static=true" });
      const events = EventStream.open<K<ReplicationController>>(ctx, REPLICATIONCONTROLLERS, { resourceVersion: list.metadata.resourceVersion, labelSelector: "test-rc-static=true" });
      const seen: string[] = [];
      const step = async (type: string, what: string) => seen.push((await events.next(what, (t) => t === type)).type);
      try {
        await ctx.client.create(REPLICATIONCONTROLLERS, ctx.namespace, {
          apiVersion: "v1", kind: "ReplicationController",
          metadata: { name, labels },
          spec: { replicas: 1, selector: labels, template: { metadata: { name, labels }, spec: { containers: [{ name, image: IMAGES.webserver }] } } },
        });
        await step("ADDED", "the RC added");
        await events.next("1 ready replica", (_, rc) => rc.status?.replicas === 1 && rc.status.readyReplicas === 1);
        const patched = await ctx.client.patch<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, name, "strategic", { metadata: { labels: { "test-rc": "patched" } } });
        assert.equal(patched.metadata.labels?.["test-rc"], "patched", "failed to patch RC");
        await step("MODIFIED", "the RC modified by the label patch");
        const status = await ctx.client.patch<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, name, "strategic", { status: { readyReplicas: 0, availableReplicas: 0 } }, "status");
        assert.equal(status.status?.readyReplicas ?? 0, 0, "ReplicationControllerStatus's readyReplicas does not equal 0");
        await step("MODIFIED", "the RC modified by the status patch");
        await events.next("status.replicas 1", (_, rc) => rc.status?.replicas === 1);
        const read = await subresource<K<ReplicationController>>(ctx, REPLICATIONCONTROLLERS, name, "status");
        assert.equal(read.status?.replicas, 1, "ReplicationController ReplicaSet count does not match initial Replica count");
        await ctx.client.patch(REPLICATIONCONTROLLERS, ctx.namespace, name, "strategic", { spec: { replicas: 2 } }, "scale");
        await step("MODIFIED", "the RC modified by the scale patch");
        await events.next("2 ready replicas", (_, rc) => rc.metadata.name === name && rc.metadata.namespace === ctx.namespace && rc.status?.replicas === 2 && rc.status.readyReplicas === 2);
        const rc = await ctx.client.get<K<ReplicationController>>(REPLICATIONCONTROLLERS, ctx.namespace, name);
        assert.equal(rc.metadata.labels?.["test-rc"], "patched", "ReplicationController is missing a label from earlier patch");
        (rc as { status: unknown }).status = { ...rc.status, availableReplicas: 1, readyReplicas: 1 };
        await ctx.client.update(REPLICATIONCONTROLLERS, rc, "status");
        await step("MODIFIED", "the RC modified by the status update");
        const all = await ctx.client.list<K<ReplicationController>>(REPLICATIONCONTROLLERS, undefined, { labelSelector: "test-rc-static=true" });
        assert.ok(all.items.some((i) => i.metadata.name === name && i.metadata.namespace === ctx.namespace && i.metadata.labels?.["test-rc-static"] === "true" && i.metadata.labels["test-rc"] === "patched"),
          "ReplicationController doesn't have expected values");
        await deleteCollection(ctx, REPLICATIONCONTROLLERS, "test-rc-static=true");
        await step("DELETED", "the RC deleted");
        assert.deepEqual(seen, ["ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"]);
      } finally {
        events.close();
      }
    },
  },
  {
    codename: "[sig-apps] ReplicationController should get and update a ReplicationController scale [Conformance]",
    async run(ctx) {
      const name = `e2e-rc-${randomSuffix()}`;
      await ctx.client.create(REPLICATIONCONTROLLERS, ctx.namespace, newRC(name, 1, { name }, "httpd", IMAGES.webserver));
      await statusReplicas(ctx, name, 1);
      const scale = await subresource<Scale>(ctx, REPLICATIONCONTROLLERS, name, "scale");
      assert.equal(scale.status.replicas, 1, "Failed to get the current replica count");
      scale.metadata.resourceVersion = "";
      scale.spec.replicas = 2;
      await subresource(ctx, REPLICATIONCONTROLLERS, name, "scale", "PUT", scale);
      await statusReplicas(ctx, name, 2);
    },
  },
];
