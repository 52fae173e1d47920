import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { ENDPOINTS, ENDPOINTSLICES, SERVICES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { Collector, deleteCollection, expectCode, isCode, names, startPod, waitFor, waitGone, webPod } from "../core-kit.js";
import { type Endpoints, expectEndpoints, service } from "./services.js";

/** Upstream's test/e2e/network/endpointslice.go and endpointslicemirroring.go. */

interface Slice extends KubeObject {
  addressType: string;
  endpoints: Array<{ addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { name?: string } }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string }> | null;
}

async function slicesOf(ctx: ConformanceContext, svc: string, namespace = ctx.namespace): Promise<Slice[]> {
  return (await ctx.client.list<Slice>(ENDPOINTSLICES, namespace, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
}

async function checkDiscovery(ctx: ConformanceContext): Promise<void> {
  const groups = await ctx.client.request<{ groups: Array<{ name: string; versions: Array<{ groupVersion: string }> }> }>("GET", "/apis");
  const group = groups.groups.find((g) => g.name === "discovery.k8s.io");
  assert.ok(group?.versions.some((v) => v.groupVersion === "discovery.k8s.io/v1"), "discovery.k8s.io/v1 in /apis");
  const resources = await ctx.client.request<{ resources: Array<{ name: string }> }>("GET", "/apis/discovery.k8s.io/v1");
  assert.ok(resources.resources.some((r) => r.name === "endpointslices"), "endpointslices in /apis/discovery.k8s.io/v1");
}

function slice(name: string, labels: Record<string, string>): Slice {
  return {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name, labels }, addressType: "IPv4",
    endpoints: [{ addresses: ["1.2.3.4", "5.6.7.8"] }], ports: [{ name: "http", port: 80, protocol: "TCP" }],
  };
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-network] EndpointSlice should have Endpoints and EndpointSlices pointing to API Server [Conformance]",
    async run(ctx) {
      await checkDiscovery(ctx);
      await ctx.client.get(SERVICES, "default", "kubernetes");
      const ep = await ctx.client.get<Endpoints>(ENDPOINTS, "default", "kubernetes");
      const epIPs = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
      assert.ok(epIPs.length > 0, "the kubernetes Endpoints hold the API servers");
      const slices = await slicesOf(ctx, "kubernetes", "default");
      assert.equal(slices.length, 1, "one EndpointSlice for the kubernetes service");
      assert.deepEqual(slices[0]!.endpoints.flatMap((e) => e.addresses).sort(), epIPs, "the slice and the Endpoints agree on addresses");
      assert.equal(slices[0]!.ports?.[0]?.port, ep.subsets?.[0]?.ports?.[0]?.port, "and on the port");
    },
  },
  {
    codename: "[sig-network] EndpointSlice should create and delete Endpoints and EndpointSlices for a Service with a selector specified [Conformance]",
    async run(ctx) {
      await ctx.client.create(SERVICES, ctx.namespace, service("example-empty-selector", { selector: { "does-not-match-anything": "endpoints-and-endpoint-slices" }, ports: [{ name: "example", port: 80, protocol: "TCP" }] }));
      await waitFor("the Endpoints", async () => ctx.client.get(ENDPOINTS, ctx.namespace, "example-empty-selector").catch(() => undefined));
      const slices = await waitFor("an EndpointSlice", async () => {
        const s = await slicesOf(ctx, "example-empty-selector");
        return s.length > 0 ? s : undefined;
      });
      assert.equal(slices[0]!.endpoints?.length ?? 0, 0, "no endpoint while no pod matches");
      assert.equal(slices[0]!.metadata.ownerReferences?.[0]?.kind, "Service", "the slice is owned by its service");
      await ctx.client.delete(SERVICES, ctx.namespace, "example-empty-selector");
      await waitGone(ctx, ENDPOINTS, "example-empty-selector");
      await waitFor("the EndpointSlices to go", async () => (await slicesOf(ctx, "example-empty-selector")).length === 0);
    },
  },
  {
    codename: "[sig-network] EndpointSlice should create Endpoints and EndpointSlices for Pods matching a Service [Conformance]",
    async run(ctx) {
      const pod = (name: string, labels: Record<string, string>) => ({ ...webPod(name, labels), spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: "ikubernetes/demoapp:v1.0", ports: [{ name: "example-name", containerPort: 3000 }] }] } });
      await startPod(ctx, pod("pod1", { "label-1": "pod1" }));
      await startPod(ctx, pod("pod2", { "label-2": "pod2" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("example-int-port", { selector: { "label-1": "pod1" }, ports: [{ name: "example", port: 80, targetPort: 3000 }] }));
      await ctx.client.create(SERVICES, ctx.namespace, service("example-named-port", { selector: { "label-2": "pod2" }, ports: [{ name: "http", port: 80, targetPort: "example-name" }] }));
      await ctx.client.create(SERVICES, ctx.namespace, service("example-no-match", { selector: { "label-3": "pod3" }, ports: [{ name: "example-no-match", port: 80, targetPort: 8080 }] }));
      await expectEndpoints(ctx, "example-int-port", { pod1: [3000] });
      await expectEndpoints(ctx, "example-named-port", { pod2: [3000] });
      await expectEndpoints(ctx, "example-no-match", {});
      const [s1] = await slicesOf(ctx, "example-int-port");
      assert.equal(s1!.addressType, "IPv4");
      assert.deepEqual(s1!.ports, [{ name: "example", port: 3000, protocol: "TCP" }]);
      assert.equal(s1!.endpoints[0]!.targetRef?.name, "pod1");
    },
  },
  {
    codename: "[sig-network] EndpointSlice should support creating EndpointSlice API operations [Conformance]",
    async run(ctx) {
      await checkDiscovery(ctx);
      const label = { "special-label": ctx.namespace };
      const selector = `special-label=${ctx.namespace}`;
      const watch = await Collector.start<Slice>(ctx, ENDPOINTSLICES, ctx.namespace, { labelSelector: selector });
      for (const n of ["e2e-example-ing1", "e2e-example-ing2", "e2e-example-ing3"]) await ctx.client.create(ENDPOINTSLICES, ctx.namespace, slice(n, label));
      const got = await ctx.client.get<Slice>(ENDPOINTSLICES, ctx.namespace, "e2e-example-ing1");
      assert.deepEqual(got.endpoints[0]!.addresses, ["1.2.3.4", "5.6.7.8"]);
      assert.equal((await names(ctx, ENDPOINTSLICES, selector)).length, 3, "listed in the namespace");
      const everywhere = await ctx.client.list(ENDPOINTSLICES, undefined, { labelSelector: selector });
      assert.equal(everywhere.items.length, 3, "listed across namespaces");
      await watch.waitFor("three ADDED", (e) => e.type === "ADDED", 3);
      const patched = await ctx.client.patch<Slice>(ENDPOINTSLICES, ctx.namespace, "e2e-example-ing1", "merge", { metadata: { annotations: { patched: "true" } } });
      assert.equal(patched.metadata.annotations?.patched, "true");
      await watch.waitFor("the patch", (e) => e.type === "MODIFIED" && e.object.metadata.annotations?.patched === "true");
      const current = await ctx.client.get<Slice>(ENDPOINTSLICES, ctx.namespace, "e2e-example-ing1");
      current.metadata.annotations = { ...current.metadata.annotations, updated: "true" };
      const updated = await ctx.client.update<Slice>(ENDPOINTSLICES, current);
      assert.equal(updated.metadata.annotations?.updated, "true");
      await ctx.client.delete(ENDPOINTSLICES, ctx.namespace, "e2e-example-ing1");
      await expectCode(ctx.client.get(ENDPOINTSLICES, ctx.namespace, "e2e-example-ing1"), 404, "the deleted slice is gone");
      assert.equal((await names(ctx, ENDPOINTSLICES, selector)).length, 2);
      await deleteCollection(ctx, ENDPOINTSLICES, selector);
      await waitFor("the collection to be gone", async () => (await names(ctx, ENDPOINTSLICES, selector)).length === 0);
      await watch.waitFor("three DELETED", (e) => e.type === "DELETED", 3);
      watch.stop();
    },
  },
  {
    codename: "[sig-network] EndpointSliceMirroring should mirror a custom Endpoints resource through create update and delete [Conformance]",
    async run(ctx) {
      await ctx.client.create(SERVICES, ctx.namespace, service("example-custom-endpoints", { ports: [{ name: "example", port: 80, protocol: "TCP" }] }));
      await ctx.client.create(ENDPOINTS, ctx.namespace, {
        apiVersion: "v1", kind: "Endpoints", metadata: { name: "example-custom-endpoints" },
        subsets: [{ ports: [{ name: "example", port: 80, protocol: "TCP" }], addresses: [{ ip: "10.1.2.3" }] }],
      });
      const mirrored = (ip: string, port: number) => waitFor(`a mirrored slice with ${ip}:${port}`, async () => {
        const s = await slicesOf(ctx, "example-custom-endpoints");
        return s.length === 1 && s[0]!.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === "endpointslicemirroring-controller.k8s.io" &&
          s[0]!.endpoints[0]?.addresses[0] === ip && s[0]!.ports?.[0]?.port === port;
      }, 10_000);
      await mirrored("10.1.2.3", 80);
      await ctx.client.update(ENDPOINTS, {
        ...(await ctx.client.get(ENDPOINTS, ctx.namespace, "example-custom-endpoints")),
        subsets: [{ ports: [{ name: "example", port: 8080, protocol: "TCP" }], addresses: [{ ip: "10.2.3.4" }] }],
      });
      await mirrored("10.2.3.4", 8080);
      await ctx.client.delete(ENDPOINTS, ctx.namespace, "example-custom-endpoints");
      await waitFor("the mirrored slice to go", async () => (await slicesOf(ctx, "example-custom-endpoints")).length === 0);
      await ctx.client.get(SERVICES, ctx.namespace, "example-custom-endpoints").catch((err: unknown) => assert.ok(!isCode(err, 404), "the service stays"));
    },
  },
];
