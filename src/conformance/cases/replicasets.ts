import assert from "node:assert/strict";
import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { isNotFound } from "../../api/errors.js";
import { PODS, REPLICASETS } from "../../client/resources.js";
import type { ConformanceCase } from "../case.js";
import {
  IMAGES, deleteCollection, httpGet, isOwnedBy, listPods, podTemplate, randomSuffix, subresource, updateWithRetries, waitFor, waitPodsReady, watchUntil, type K,
} from "../kit.js";

/** test/e2e/apps/replica_set.go, reproduced. */

/** Upstream's newRS: the labels on the ReplicaSet, its selector and its pods; one container. */
export function newRS(name: string, replicas: number, labels: Record<string, string>, containerName: string, image: string): K<ReplicaSet> {
  return {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: { name, labels },
    spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels, [{ name: containerName, image }]) },
  } as K<ReplicaSet>;
}

const SAMPLE = { name: "sample-pod", pod: "httpd" };

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] ReplicaSet should serve a basic image on each replica with a public image [Conformance]",
    async run(ctx) {
      const name = `my-hostname-basic-${randomSuffix()}`;
      const rs = newRS(name, 1, { name }, name, IMAGES.serveHostname);
      (rs.spec!.template!.spec!.containers[0] as { ports?: unknown }).ports = [{ containerPort: 80 }];
      const created = await ctx.client.create<K<ReplicaSet>>(REPLICASETS, ctx.namespace, rs);
      const pods = await waitPodsReady(ctx, `name=${name}`, 1);
      for (const pod of pods) {
        assert.ok(isOwnedBy(pod, created.metadata.uid), `pod ${pod.metadata.name} is owned by the ReplicaSet`);
        const ip = pod.status!.podIP!;
        await waitFor(ctx, `pod ${pod.metadata.name} answering its name`, async () => (await httpGet(ip, 80, "/hostname.html", ctx.signal)).body.trim() === pod.metadata.name);
      }
    },
  },
  {
    codename: "[sig-apps] ReplicaSet should adopt matching pods on creation and release no longer matching pods [Conformance]",
    async run(ctx) {
      const name = "pod-adoption-release";
      await ctx.client.create(PODS, ctx.namespace, { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { name } }, spec: { containers: [{ name, image: IMAGES.webserver }] } });
      await waitPodsReady(ctx, `name=${name}`, 1);
      const rs = await ctx.client.create<K<ReplicaSet>>(REPLICASETS, ctx.namespace, newRS(name, 1, { name }, name, IMAGES.webserver));
      await waitFor(ctx, "the orphan pod adopted (or replaced)", async () => {
        try {
          return isOwnedBy(await ctx.client.get(PODS, ctx.namespace, name), rs.metadata.uid);
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      });
      const owned = await waitFor(ctx, "a pod owned by the ReplicaSet", async () => (await listPods(ctx, `name=${name}`)).find((p) => isOwnedBy(p, rs.metadata.uid)));
      await updateWithRetries<K<Pod>>(ctx, PODS, owned.metadata.name!, (pod) => (pod.metadata.labels = { name: "not-matching-name" }));
      await waitFor(ctx, "the pod released", async () => !isOwnedBy(await ctx.client.get(PODS, ctx.namespace, owned.metadata.name!), rs.metadata.uid));
    },
  },
  {
    codename: "[sig-apps] ReplicaSet Replicaset should have a working scale subresource [Conformance]",
    async run(ctx) {
      await ctx.client.create(REPLICASETS, ctx.namespace, newRS("test-rs", 1, SAMPLE, "httpd", IMAGES.webserver));
      await waitPodsReady(ctx, "name=sample-pod", 1);
      type Scale = K<{ spec: { replicas: number }; status: { replicas: number } }>;
      const scale = await subresource<Scale>(ctx, REPLICASETS, "test-rs", "scale");
      assert.equal(scale.spec.replicas, 1);
      assert.equal(scale.status.replicas, 1);
      scale.metadata.resourceVersion = "";
      scale.spec.replicas = 2;
      const updated = await subresource<Scale>(ctx, REPLICASETS, "test-rs", "scale", "PUT", scale);
      assert.equal(updated.spec.replicas, 2);
      assert.equal((await ctx.client.get<K<ReplicaSet>>(REPLICASETS, ctx.namespace, "test-rs")).spec!.replicas, 2);
      await ctx.client.patch(REPLICASETS, ctx.namespace, "test-rs", "strategic", { spec: { replicas: 4 } }, "scale");
      assert.equal((await ctx.client.get<K<ReplicaSet>>(REPLICASETS, ctx.namespace, "test-rs")).spec!.replicas, 4, "replicaset should have 4 replicas");
    },
  },
  {
    codename: "[sig-apps] ReplicaSet Replace and Patch tests [Conformance]",
    async run(ctx) {
      const list = await ctx.client.list(REPLICASETS, undefined, { labelSelector: "test-rs=patched" });
      await ctx.client.create(REPLICASETS, ctx.namespace, newRS("test-rs", 1, SAMPLE, "httpd", IMAGES.webserver));
      await waitPodsReady(ctx, "name=sample-pod", 1);
      await updateWithRetries<K<ReplicaSet>>(ctx, REPLICASETS, "test-rs", (rs) => (rs.spec!.replicas = 2));
      const patched = await ctx.client.patch<K<ReplicaSet>>(REPLICASETS, ctx.namespace, "test-rs", "strategic", {
        metadata: { labels: { "test-rs": "patched" } },
        spec: { replicas: 3, template: { spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "test-rs", image: IMAGES.pause }] } } },
      });
      // Upstream reads containers[0] in its watch below; read it in the patch's answer first, to fail fast.
      assert.deepEqual(patched.spec!.template!.spec!.containers.map((c) => c.name), ["test-rs", "httpd"], "the strategic merge patch's container comes first");
      await watchUntil<K<ReplicaSet>>(ctx, REPLICASETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: "test-rs=patched" }, "the patched ReplicaSet with 3 ready replicas", (_, rs) =>
        rs.metadata.name === "test-rs" && rs.metadata.labels?.["test-rs"] === "patched" && rs.status?.readyReplicas === 3 && rs.status.availableReplicas === 3 &&
        rs.spec!.template!.spec!.containers[0]!.image === IMAGES.pause && rs.spec!.template!.spec!.terminationGracePeriodSeconds === 0);
    },
  },
  {
    codename: "[sig-apps] ReplicaSet should list and delete a collection of ReplicaSets [Conformance]",
    async run(ctx) {
      const e2e = randomSuffix();
      await ctx.client.create(REPLICASETS, ctx.namespace, newRS("test-rs", 3, { ...SAMPLE, e2e }, "httpd", IMAGES.webserver));
      await waitPodsReady(ctx, "name=sample-pod", 3);
      await ctx.client.get(REPLICASETS, ctx.namespace, "test-rs");
      assert.equal((await ctx.client.list(REPLICASETS, undefined, { labelSelector: `e2e=${e2e}` })).items.length, 1, "filtered list wasn't found");
      await deleteCollection(ctx, REPLICASETS, `e2e=${e2e}`, 1);
      assert.equal((await ctx.client.list(REPLICASETS, undefined, { labelSelector: `e2e=${e2e}` })).items.length, 0, "filtered list should have no replicas");
    },
  },
  {
    codename: "[sig-apps] ReplicaSet should validate Replicaset Status endpoints [Conformance]",
    async run(ctx) {
      const selector = "name=sample-pod,pod=httpd";
      const list = await ctx.client.list(REPLICASETS, undefined, { labelSelector: selector });
      const created = await ctx.client.create<K<ReplicaSet>>(REPLICASETS, ctx.namespace, newRS("test-rs", 1, SAMPLE, "httpd", IMAGES.webserver));
      await waitPodsReady(ctx, "name=sample-pod", 1);
      const status = await subresource<K<ReplicaSet>>(ctx, REPLICASETS, "test-rs", "status");
      assert.equal(status.metadata.name, "test-rs");
      await updateWithRetries<K<ReplicaSet>>(ctx, REPLICASETS, "test-rs", (rs) => {
        (rs as { status: unknown }).status = { ...rs.status!, conditions: [...(rs.status?.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }] };
      }, "status");
      const ours = (rs: K<ReplicaSet>) => rs.metadata.name === created.metadata.name && rs.metadata.namespace === ctx.namespace &&
        rs.metadata.labels?.name === "sample-pod" && rs.metadata.labels?.pod === "httpd";
      await watchUntil<K<ReplicaSet>>(ctx, REPLICASETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the StatusUpdate condition", (_, rs) =>
        ours(rs) && (rs.status?.conditions ?? []).some((c) => c.type === "StatusUpdate" && c.reason === "E2E" && c.message === "Set from e2e test"));
      await ctx.client.patch(REPLICASETS, ctx.namespace, "test-rs", "merge", { status: { conditions: [{ type: "StatusPatched", status: "True" }] } }, "status");
      await watchUntil<K<ReplicaSet>>(ctx, REPLICASETS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the StatusPatched condition", (_, rs) =>
        ours(rs) && (rs.status?.conditions ?? []).some((c) => c.type === "StatusPatched"));
    },
  },
];
