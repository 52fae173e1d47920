import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { ENDPOINTS, ENDPOINTSLICES, PODS, SERVICES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { Collector, deleteCollection, expectCode, fetchFromPod, isCode, names, runToEnd, shPod, startPod, waitFor, webPod } from "../core-kit.js";

/** Upstream's test/e2e/network/service.go: the API side of Services (types, status, collections, endpoints). */

export interface Service extends KubeObject {
  spec: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    sessionAffinity?: string;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string; nodePort?: number }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> }; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

export function service(name: string, spec: Service["spec"], labels?: Record<string, string>): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, labels }, spec };
}

export interface Endpoints extends KubeObject {
  subsets?: Array<{ addresses?: Array<{ ip: string; targetRef?: { name?: string } }>; notReadyAddresses?: unknown[]; ports?: Array<{ name?: string; port: number; protocol?: string }> }>;
}

interface Slice extends KubeObject {
  endpoints: Array<{ addresses: string[]; targetRef?: { name?: string }; conditions?: { ready?: boolean } }>;
  ports?: Array<{ name?: string; port?: number }> | null;
}

/** What the Endpoints say: pod name → its ports, sorted. */
export async function endpointMap(ctx: ConformanceContext, svc: string): Promise<Record<string, number[]>> {
  const ep = await ctx.client.get<Endpoints>(ENDPOINTS, ctx.namespace, svc).catch((err: unknown) => {
    if (isCode(err, 404)) return { metadata: {} } as Endpoints;
    throw err;
  });
  const map: Record<string, number[]> = {};
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) map[a.targetRef?.name ?? a.ip] = [...(map[a.targetRef?.name ?? a.ip] ?? []), ...(s.ports ?? []).map((p) => p.port)].sort();
  return map;
}

/** The same from the service's EndpointSlices. */
export async function sliceMap(ctx: ConformanceContext, svc: string): Promise<Record<string, number[]>> {
  const slices = await ctx.client.list<Slice>(ENDPOINTSLICES, ctx.namespace, { labelSelector: `kubernetes.io/service-name=${svc}` });
  const map: Record<string, number[]> = {};
  for (const s of slices.items) {
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      const key = e.targetRef?.name ?? e.addresses[0]!;
      map[key] = [...(map[key] ?? []), ...(s.ports ?? []).map((p) => p.port!)].sort();
    }
  }
  return map;
}

/** Waits until both the Endpoints and the EndpointSlices of `svc` say `want`. */
export async function expectEndpoints(ctx: ConformanceContext, svc: string, want: Record<string, number[]>): Promise<void> {
  const norm = (m: Record<string, number[]>) => JSON.stringify(Object.fromEntries(Object.entries(m).sort()));
  await waitFor(`the endpoints of ${svc} to be ${JSON.stringify(want)}`, async () => norm(await endpointMap(ctx, svc)) === norm(want) && norm(await sliceMap(ctx, svc)) === norm(want));
}

function portPod(name: string, labels: Record<string, string>, ports: Array<{ name?: string; containerPort: number }>): ReturnType<typeof webPod> {
  return { ...webPod(name, labels), spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "pause", image: "registry.k8s.io/pause:3.9", ports }] } };
}

/** A resolver's answer for `name` from inside a pod: the output of busybox nslookup (exit status asserted 0). */
export async function nslookup(ctx: ConformanceContext, pod: string, name: string): Promise<string> {
  const { pod: done, logs } = await runToEnd(ctx, shPod(pod, `nslookup ${name}`));
  assert.equal(done.status?.phase, "Succeeded", `nslookup ${name} failed in a pod: ${logs}`);
  return logs;
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-network] Services should provide secure master service [Conformance]",
    async run(ctx) {
      const svc = await ctx.client.get<Service>(SERVICES, "default", "kubernetes");
      assert.equal(svc.spec.ports?.[0]?.port, 443);
      assert.ok(svc.spec.clusterIP);
    },
  },
  {
    codename: "[sig-network] Services should find a service from listing all namespaces [Conformance]",
    async run(ctx) {
      const all = await ctx.client.list(SERVICES);
      assert.ok(all.items.some((s) => s.metadata.name === "kubernetes" && s.metadata.namespace === "default"));
    },
  },
  {
    codename: "[sig-network] Services should delete a collection of services [Conformance]",
    async run(ctx) {
      const ports = [{ name: "http", port: 80, targetPort: 80 }];
      await ctx.client.create(SERVICES, ctx.namespace, service("e2e-svc-a", { ports }, { "e2e-test-service": "delete" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("e2e-svc-b", { ports }, { "e2e-test-service": "delete" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("e2e-svc-c", { ports }));
      assert.equal((await names(ctx, SERVICES)).length, 3);
      await deleteCollection(ctx, SERVICES, "e2e-test-service=delete");
      await waitFor("one service left", async () => (await names(ctx, SERVICES)).join() === "e2e-svc-c");
    },
  },
  {
    codename: "[sig-network] Services should complete a service status lifecycle [Conformance]",
    async run(ctx) {
      const watch = await Collector.start<Service>(ctx, SERVICES, ctx.namespace, { labelSelector: "test-service-static=true" });
      await ctx.client.create(SERVICES, ctx.namespace, service("test-service", { type: "LoadBalancer", ports: [{ name: "http", port: 80, targetPort: 80 }] }, { "test-service-static": "true" }));
      await watch.waitFor("ADDED", (e) => e.type === "ADDED");
      const got = await ctx.client.request<Service>("GET", `/api/v1/namespaces/${ctx.namespace}/services/test-service/status`);
      assert.equal(got.metadata.name, "test-service");
      const patched = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "test-service", "strategic", {
        metadata: { annotations: { patchedstatus: "true" } },
        status: { loadBalancer: { ingress: [{ ip: "203.0.113.1" }] } },
      }, "status");
      assert.equal(patched.status?.loadBalancer?.ingress?.[0]?.ip, "203.0.113.1");
      await watch.waitFor("the patched status", (e) => e.type === "MODIFIED" && e.object.status?.loadBalancer?.ingress?.[0]?.ip === "203.0.113.1");
      assert.equal(patched.metadata.annotations?.patchedstatus, "true", "the status patch keeps the annotation");
      const current = await ctx.client.request<Service>("GET", `/api/v1/namespaces/${ctx.namespace}/services/test-service/status`);
      current.status = { ...current.status, conditions: [{ type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }] };
      const updated = await ctx.client.update<Service>(SERVICES, current, "status");
      assert.equal(updated.status?.conditions?.[0]?.message, "Set from e2e test");
      await watch.waitFor("the updated status", (e) => e.type === "MODIFIED" && e.object.status?.conditions?.[0]?.type === "StatusUpdate");
      const relabelled = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "test-service", "strategic", { metadata: { labels: { "test-service": "patched" } } });
      assert.equal(relabelled.metadata.labels?.["test-service"], "patched");
      await ctx.client.delete(SERVICES, ctx.namespace, "test-service");
      await watch.waitFor("DELETED", (e) => e.type === "DELETED");
      watch.stop();
    },
  },
  {
    codename: "[sig-network] Services should serve a basic endpoint from pods [Conformance]",
    async run(ctx) {
      await ctx.client.create(SERVICES, ctx.namespace, service("endpoint-test2", { selector: { "name-of-test": "basic" }, ports: [{ port: 80, targetPort: 80 }] }));
      await expectEndpoints(ctx, "endpoint-test2", {});
      await startPod(ctx, portPod("pod1", { "name-of-test": "basic" }, [{ containerPort: 80 }]));
      await expectEndpoints(ctx, "endpoint-test2", { pod1: [80] });
      await startPod(ctx, portPod("pod2", { "name-of-test": "basic" }, [{ containerPort: 80 }]));
      await expectEndpoints(ctx, "endpoint-test2", { pod1: [80], pod2: [80] });
      await ctx.client.delete(PODS, ctx.namespace, "pod1");
      await expectEndpoints(ctx, "endpoint-test2", { pod2: [80] });
      await ctx.client.delete(PODS, ctx.namespace, "pod2");
      await expectEndpoints(ctx, "endpoint-test2", {});
    },
  },
  {
    codename: "[sig-network] Services should serve multiport endpoints from pods [Conformance]",
    async run(ctx) {
      await ctx.client.create(SERVICES, ctx.namespace, service("multi-endpoint-test", {
        selector: { "name-of-test": "multi" },
        ports: [{ name: "portname1", port: 80, targetPort: "svc1" }, { name: "portname2", port: 81, targetPort: "svc2" }],
      }));
      await expectEndpoints(ctx, "multi-endpoint-test", {});
      await startPod(ctx, portPod("pod1", { "name-of-test": "multi" }, [{ name: "svc1", containerPort: 100 }]));
      await expectEndpoints(ctx, "multi-endpoint-test", { pod1: [100] });
      await startPod(ctx, portPod("pod2", { "name-of-test": "multi" }, [{ name: "svc2", containerPort: 101 }]));
      await expectEndpoints(ctx, "multi-endpoint-test", { pod1: [100], pod2: [101] });
      await ctx.client.delete(PODS, ctx.namespace, "pod1");
      await expectEndpoints(ctx, "multi-endpoint-test", { pod2: [101] });
      await ctx.client.delete(PODS, ctx.namespace, "pod2");
      await expectEndpoints(ctx, "multi-endpoint-test", {});
    },
  },
  {
    codename: "[sig-network] Services should test the lifecycle of an Endpoint [Conformance]",
    async run(ctx) {
      const watch = await Collector.start<Endpoints>(ctx, ENDPOINTS, ctx.namespace, { labelSelector: "test-endpoint-static=true" });
      await ctx.client.create(ENDPOINTS, ctx.namespace, {
        apiVersion: "v1", kind: "Endpoints", metadata: { name: "testservice", labels: { "test-endpoint-static": "true" } },
        subsets: [{ addresses: [{ ip: "10.0.0.24" }], ports: [{ name: "http", port: 80, protocol: "TCP" }] }],
      });
      await watch.waitFor("ADDED", (e) => e.type === "ADDED");
      const listed = await ctx.client.list(ENDPOINTS, undefined, { labelSelector: "test-endpoint-static=true" });
      assert.ok(listed.items.some((e) => e.metadata.name === "testservice" && e.metadata.namespace === ctx.namespace), "listed across namespaces by label");
      const ep = await ctx.client.get<Endpoints>(ENDPOINTS, ctx.namespace, "testservice");
      ep.metadata.labels = { ...ep.metadata.labels, "test-service": "updated" };
      await ctx.client.update(ENDPOINTS, ep);
      await watch.waitFor("the updated label", (e) => e.type === "MODIFIED" && e.object.metadata.labels?.["test-service"] === "updated");
      await ctx.client.patch(ENDPOINTS, ctx.namespace, "testservice", "strategic", {
        metadata: { labels: { "test-service": "patched" } },
        subsets: [{ addresses: [{ ip: "10.0.0.25" }], ports: [{ name: "http-test", port: 8080 }] }],
      });
      await watch.waitFor("the patched endpoint", (e) => e.type === "MODIFIED" && e.object.metadata.labels?.["test-service"] === "patched");
      const patched = await ctx.client.get<Endpoints>(ENDPOINTS, ctx.namespace, "testservice");
      assert.equal(patched.subsets?.[0]?.addresses?.[0]?.ip, "10.0.0.25");
      assert.equal(patched.subsets?.[0]?.ports?.[0]?.port, 8080);
      await deleteCollection(ctx, ENDPOINTS, "test-endpoint-static=true");
      await watch.waitFor("DELETED", (e) => e.type === "DELETED");
      watch.stop();
      await expectCode(ctx.client.get(ENDPOINTS, ctx.namespace, "testservice"), 404, "the endpoint is gone");
    },
  },
  {
    codename: "[sig-network] Services should be able to change the type from ExternalName to ClusterIP [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { app: "ext-to-cip" }));
      const created = await ctx.client.create<Service>(SERVICES, ctx.namespace, service("externalname-service", { type: "ExternalName", externalName: "foo.example.com" }));
      assert.ok(!created.spec.clusterIP, "an ExternalName service has no cluster IP");
      const updated = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "externalname-service", "merge", {
        spec: { type: "ClusterIP", externalName: null, selector: { app: "ext-to-cip" }, ports: [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }] },
      });
      assert.ok(updated.spec.clusterIP && updated.spec.clusterIP !== "None", "a cluster IP is assigned");
      await expectEndpoints(ctx, "externalname-service", { backend: [80] });
      assert.match(await fetchFromPod(ctx, "by-name", "http://externalname-service:80/"), /iKubernetes demoapp/);
      assert.match(await fetchFromPod(ctx, "by-ip", `http://${updated.spec.clusterIP}:80/`), /iKubernetes demoapp/);
    },
  },
  {
    codename: "[sig-network] Services should be able to change the type from ClusterIP to ExternalName [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { app: "externalsvc" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("externalsvc", { selector: { app: "externalsvc" }, ports: [{ port: 80, targetPort: 80 }] }));
      await ctx.client.create(SERVICES, ctx.namespace, service("clusterip-service", { ports: [{ port: 80, targetPort: 80 }] }));
      const fqdn = `externalsvc.${ctx.namespace}.svc.cluster.local`;
      const updated = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "clusterip-service", "merge", { spec: { type: "ExternalName", externalName: fqdn, clusterIP: "", clusterIPs: null } });
      assert.ok(!updated.spec.clusterIP, "the cluster IP is released");
      const answer = await nslookup(ctx, "resolver", `clusterip-service.${ctx.namespace}.svc.cluster.local`);
      const ip = (await ctx.client.get<Service>(SERVICES, ctx.namespace, "externalsvc")).spec.clusterIP!;
      assert.ok(answer.includes(ip), `the ExternalName resolves through the CNAME to ${ip}: ${answer}`);
    },
  },
  {
    codename: "[sig-network] Services should be able to change the type from NodePort to ExternalName [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { app: "externalsvc" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("externalsvc", { selector: { app: "externalsvc" }, ports: [{ port: 80, targetPort: 80 }] }));
      const np = await ctx.client.create<Service>(SERVICES, ctx.namespace, service("nodeport-service", { type: "NodePort", ports: [{ port: 80, targetPort: 80 }] }));
      const nodePort = np.spec.ports![0]!.nodePort!;
      assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort}`);
      const fqdn = `externalsvc.${ctx.namespace}.svc.cluster.local`;
      const updated = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "nodeport-service", "merge", { spec: { type: "ExternalName", externalName: fqdn, clusterIP: "", clusterIPs: null } });
      assert.ok(!updated.spec.clusterIP, "the cluster IP is released");
      assert.ok(!updated.spec.ports?.some((p) => p.nodePort), "the node port is released");
      // The released node port can be taken by another service.
      await ctx.client.create(SERVICES, ctx.namespace, service("takes-the-port", { type: "NodePort", ports: [{ port: 80, nodePort }] }));
      const answer = await nslookup(ctx, "resolver", `nodeport-service.${ctx.namespace}.svc.cluster.local`);
      const ip = (await ctx.client.get<Service>(SERVICES, ctx.namespace, "externalsvc")).spec.clusterIP!;
      assert.ok(answer.includes(ip), `the ExternalName resolves through the CNAME to ${ip}: ${answer}`);
    },
  },
  {
    codename: "[sig-network] Services should be able to change the type from ExternalName to NodePort [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { app: "ext-to-np" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("externalname-service", { type: "ExternalName", externalName: "foo.example.com" }));
      const updated = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "externalname-service", "merge", {
        spec: { type: "NodePort", externalName: null, selector: { app: "ext-to-np" }, ports: [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }] },
      });
      assert.ok(updated.spec.clusterIP, "a cluster IP is assigned");
      const nodePort = updated.spec.ports![0]!.nodePort!;
      assert.ok(nodePort >= 30000, "a node port is assigned");
      await expectEndpoints(ctx, "externalname-service", { backend: [80] });
      assert.match(await fetchFromPod(ctx, "by-name", "http://externalname-service:80/"), /iKubernetes demoapp/);
      assert.match(await fetchFromPod(ctx, "by-ip", `http://${updated.spec.clusterIP}:80/`), /iKubernetes demoapp/);
      const node = await ctx.client.list<KubeObject & { status: { addresses: Array<{ type: string; address: string }> } }>({ group: "", version: "v1", resource: "nodes", namespaced: false });
      const ip = node.items[0]!.status.addresses.find((a) => a.type === "InternalIP")!.address;
      assert.match(await fetchFromPod(ctx, "by-node-port", `http://${ip}:${nodePort}/`), /iKubernetes demoapp/);
    },
  },
];
