import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { CONFIGMAPS, EVENTS, SECRETS } from "../../client/resources.js";
import type { ResourceRef } from "../../client/rest.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { EVENTS_V1, deleteCollection, expectCode, names, runToEnd, shPod, waitFor } from "../core-kit.js";

/**
 * Upstream's common/node/configmap.go and secrets.go (environment and API), and instrumentation's
 * core_events.go and events.go.
 */

const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * Runs `env` in a busybox pod with the given env/envFrom and returns its lines. `env` runs as the
 * container's command, not under `sh -c` as upstream's: the host's busybox ash (1.35, Debian) drops
 * variables whose names are not shell identifiers (`data-1`), which the kubelet does pass.
 */
async function envOf(ctx: ConformanceContext, pod: string, container: Record<string, unknown>): Promise<string[]> {
  const { pod: done, logs } = await runToEnd(ctx, shPod(pod, "", { container: { command: ["env"], ...container } }));
  assert.equal(done.status?.phase, "Succeeded", `the env pod failed: ${logs} ${JSON.stringify(done.status?.containerStatuses?.[0]?.state)}`);
  return logs.split("\n");
}

function expectLines(lines: string[], want: string[]): void {
  assert.deepEqual(want.filter((w) => !lines.includes(w)), [], "missing from the container's environment");
}

async function lifecycleOfLabelled(ctx: ConformanceContext, ref: ResourceRef, obj: KubeObject, patch: Record<string, unknown>, check: (o: KubeObject) => void, selector: string): Promise<void> {
  await ctx.client.create(ref, ctx.namespace, obj);
  const everywhere = await ctx.client.list(ref, undefined, { labelSelector: selector });
  assert.ok(everywhere.items.some((i) => i.metadata.name === obj.metadata.name && i.metadata.namespace === ctx.namespace), "found by label across namespaces");
  await ctx.client.patch(ref, ctx.namespace, obj.metadata.name!, "strategic", patch);
  check(await ctx.client.get(ref, ctx.namespace, obj.metadata.name!));
  await deleteCollection(ctx, ref, selector);
  await waitFor("the collection to be gone", async () => (await names(ctx, ref, selector)).length === 0);
}

function coreEvent(name: string, ns: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1", kind: "Event", metadata: { name, labels },
    involvedObject: { kind: "Pod", name: "test-pod", namespace: ns, apiVersion: "v1" },
    reason: "Testing", message: "This is a test event", type: "Normal", count: 1,
    source: { component: "conformance" }, firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(),
  };
}

function eventV1(name: string, ns: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name, labels },
    eventTime: new Date().toISOString().replace("Z", "000Z"), reportingController: "test-controller", reportingInstance: "test-node",
    regarding: { kind: "Pod", name: "test-pod", namespace: ns, apiVersion: "v1" }, reason: "Testing", action: "Do", note: "This is a test event", type: "Normal",
  };
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] ConfigMap should be consumable via environment variable [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "configmap-test" }, data: { "data-1": "value-1" } });
      expectLines(await envOf(ctx, "pod-configmaps", { env: [{ name: "CONFIG_DATA_1", valueFrom: { configMapKeyRef: { name: "configmap-test", key: "data-1" } } }] }), ["CONFIG_DATA_1=value-1"]);
    },
  },
  {
    codename: "[sig-node] ConfigMap should be consumable via the environment [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "configmap-test" }, data: { "data-1": "value-1", "data-2": "value-2", "data-3": "value-3" } });
      const lines = await envOf(ctx, "pod-configmaps", { envFrom: [{ configMapRef: { name: "configmap-test" } }, { prefix: "p-", configMapRef: { name: "configmap-test" } }] });
      expectLines(lines, ["data-1=value-1", "data-2=value-2", "data-3=value-3", "p-data-1=value-1", "p-data-2=value-2", "p-data-3=value-3"]);
    },
  },
  {
    codename: "[sig-node] ConfigMap should fail to create ConfigMap with empty key [Conformance]",
    async run(ctx) {
      await expectCode(ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "configmap-test-emptykey" }, data: { "": "value-1" } }), 422, "a ConfigMap with an empty key");
    },
  },
  {
    codename: "[sig-node] ConfigMap should run through a ConfigMap lifecycle [Conformance]",
    run: (ctx) => lifecycleOfLabelled(ctx, CONFIGMAPS,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "test-configmap", labels: { "test-configmap-static": "true" } }, data: { valueName: "value" } },
      { metadata: { labels: { "test-configmap": "patched" } }, data: { valueName: "value1" } },
      (o) => {
        assert.equal(o.metadata.labels?.["test-configmap"], "patched");
        assert.equal((o as { data?: Record<string, string> }).data?.valueName, "value1");
      }, "test-configmap-static=true"),
  },
  {
    codename: "[sig-node] Secrets should be consumable from pods in env vars [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(SECRETS, ctx.namespace, { apiVersion: "v1", kind: "Secret", metadata: { name: "secret-test" }, data: { "data-1": b64("value-1") } });
      expectLines(await envOf(ctx, "pod-secrets", { env: [{ name: "SECRET_DATA", valueFrom: { secretKeyRef: { name: "secret-test", key: "data-1" } } }] }), ["SECRET_DATA=value-1"]);
    },
  },
  {
    codename: "[sig-node] Secrets should be consumable via the environment [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(SECRETS, ctx.namespace, { apiVersion: "v1", kind: "Secret", metadata: { name: "secret-test" }, data: { "data-1": b64("value-1"), "data-2": b64("value-2") } });
      const lines = await envOf(ctx, "pod-configmaps", { envFrom: [{ secretRef: { name: "secret-test" } }, { prefix: "p-", secretRef: { name: "secret-test" } }] });
      expectLines(lines, ["data-1=value-1", "data-2=value-2", "p-data-1=value-1", "p-data-2=value-2"]);
    },
  },
  {
    codename: "[sig-node] Secrets should fail to create secret due to empty secret key [Conformance]",
    async run(ctx) {
      await expectCode(ctx.client.create(SECRETS, ctx.namespace, { apiVersion: "v1", kind: "Secret", metadata: { name: "secret-emptykey-test" }, data: { "": b64("value-1") } }), 422, "a Secret with an empty key");
    },
  },
  {
    codename: "[sig-node] Secrets should patch a secret [Conformance]",
    run: (ctx) => lifecycleOfLabelled(ctx, SECRETS,
      { apiVersion: "v1", kind: "Secret", metadata: { name: "test-secret", labels: { "testsecret-constant": "true" } }, type: "Opaque", data: { key: b64("value") } },
      { metadata: { labels: { testsecret: "true" } }, data: { key: b64("value1") } },
      (o) => {
        assert.equal(o.metadata.labels?.testsecret, "true");
        assert.equal((o as { data?: Record<string, string> }).data?.key, b64("value1"));
      }, "testsecret-constant=true"),
  },
  {
    codename: "[sig-instrumentation] Events should delete a collection of events [Conformance]",
    async run(ctx) {
      for (const n of ["test-event-1", "test-event-2", "test-event-3"]) await ctx.client.create(EVENTS, ctx.namespace, coreEvent(n, ctx.namespace, { "testevent-set": "true" }));
      assert.equal((await names(ctx, EVENTS, "testevent-set=true")).length, 3);
      await deleteCollection(ctx, EVENTS, "testevent-set=true");
      assert.equal((await names(ctx, EVENTS, "testevent-set=true")).length, 0);
    },
  },
  {
    codename: "[sig-instrumentation] Events should manage the lifecycle of an event [Conformance]",
    async run(ctx) {
      await ctx.client.create(EVENTS, ctx.namespace, coreEvent("event-test", ctx.namespace, { "testevent-constant": "true" }));
      const all = await ctx.client.list(EVENTS, undefined, { labelSelector: "testevent-constant=true" });
      assert.equal(all.items.filter((e) => e.metadata.namespace === ctx.namespace).length, 1, "one event found across namespaces");
      await ctx.client.patch(EVENTS, ctx.namespace, "event-test", "strategic", { message: "This is a test event - patched" });
      const got = await ctx.client.get<KubeObject & { message: string }>(EVENTS, ctx.namespace, "event-test");
      assert.equal(got.message, "This is a test event - patched");
      const series = { count: 100, lastObservedTime: new Date().toISOString().replace("Z", "000Z") };
      const updated = await ctx.client.update<KubeObject & { series?: { count: number } }>(EVENTS, { ...got, series });
      assert.equal(updated.series?.count, 100);
      await ctx.client.delete(EVENTS, ctx.namespace, "event-test");
      assert.deepEqual(await names(ctx, EVENTS, "testevent-constant=true"), []);
    },
  },
  {
    codename: "[sig-instrumentation] Events API should ensure that an event can be fetched, patched, deleted, and listed [Conformance]",
    async run(ctx) {
      await ctx.client.create(EVENTS_V1, ctx.namespace, eventV1("event-test", ctx.namespace, { "testevent-constant": "true" }));
      const got = await ctx.client.get<KubeObject & { note: string }>(EVENTS_V1, ctx.namespace, "event-test");
      assert.equal(got.note, "This is a test event");
      const everywhere = await ctx.client.list(EVENTS_V1, undefined, { labelSelector: "testevent-constant=true" });
      assert.ok(everywhere.items.some((e) => e.metadata.namespace === ctx.namespace));
      const patched = await ctx.client.patch<KubeObject & { note: string }>(EVENTS_V1, ctx.namespace, "event-test", "merge", { note: "This is a test event - patched" });
      assert.equal(patched.note, "This is a test event - patched");
      const series = { count: 100, lastObservedTime: new Date().toISOString().replace("Z", "000Z") };
      const updated = await ctx.client.update<KubeObject & { series?: { count: number } }>(EVENTS_V1, { ...patched, series });
      assert.equal(updated.series?.count, 100);
      await ctx.client.delete(EVENTS_V1, ctx.namespace, "event-test");
      await expectCode(ctx.client.get(EVENTS_V1, ctx.namespace, "event-test"), 404, "the deleted event");
    },
  },
  {
    codename: "[sig-instrumentation] Events API should delete a collection of events [Conformance]",
    async run(ctx) {
      for (const n of ["test-event-1", "test-event-2", "test-event-3"]) await ctx.client.create(EVENTS_V1, ctx.namespace, eventV1(n, ctx.namespace, { "testevent-set": "true" }));
      assert.equal((await names(ctx, EVENTS_V1, "testevent-set=true")).length, 3);
      await deleteCollection(ctx, EVENTS_V1, "testevent-set=true");
      assert.equal((await names(ctx, EVENTS_V1, "testevent-set=true")).length, 0);
    },
  },
];
