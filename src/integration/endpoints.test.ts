import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Endpoints } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { ENDPOINTS, ENDPOINTSLICES, PODS, SERVICES } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { ControllerManager } from "../controllers/manager.js";
import { SimulatedNodePool } from "../node/simulated/pool.js";
import { MemoryStore } from "../store/memory.js";
import { eventually } from "./cluster.js";

const pod = (name: string, labels: Record<string, string>, finalizers?: string[]): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels, finalizers },
  spec: { nodeName: "sim-1", terminationGracePeriodSeconds: 30, containers: [{ name: "c", image: "demo", ports: [{ name: "http", containerPort: 8080 }] }] },
});

describe("endpoints and EndpointSlice controllers against the real API server", () => {
  let server: ApiServer;
  let client: RestClient;
  const stop = new AbortController();
  let running: Promise<unknown>;
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    const informers = new SharedInformers(client);
    running = Promise.all([
      new ControllerManager(client, { informers }).run(stop.signal),
      new SimulatedNodePool(client, { nodes: ["sim-1"], informers, log: () => {} }).run(stop.signal),
      informers.run(stop.signal),
    ]);
    await client.create(SERVICES, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "web", labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } });
    // web-1 holds a finalizer, so it stays terminating as long as the test needs.
    await client.create(PODS, "default", pod("web-1", { app: "web" }, ["tugboat.test/hold"]));
    for (const name of ["web-2", "web-3"]) await client.create(PODS, "default", pod(name, { app: "web" }));
    await client.create(PODS, "default", pod("other", { app: "other" }));
  });
  after(async () => {
    stop.abort();
    await running;
    client.close();
    await server.close();
  });

  const endpoints = () => client.get<Endpoints & KubeObject>(ENDPOINTS, "default", "web");
  const slices = async () => (await client.list<EndpointSlice & KubeObject>(ENDPOINTSLICES, "default", { labelSelector: "kubernetes.io/service-name=web" })).items;

  test("ready pods become the service's Endpoints addresses, on the named target port, with the service's labels", async () => {
    const ep = await eventually("3 ready addresses", async () => {
      const e = await endpoints();
      return e.subsets?.[0]?.addresses?.length === 3 && e;
    });
    assert.deepEqual(ep.subsets![0]!.addresses!.map((a) => a.targetRef!.name).sort(), ["web-1", "web-2", "web-3"]);
    assert.deepEqual(ep.subsets![0]!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    assert.equal(ep.metadata!.labels!.tier, "front");
    assert.ok(ep.metadata!.annotations!["endpoints.kubernetes.io/last-change-trigger-time"]);
  });

  test("one EndpointSlice owned by the service holds the same pods", async () => {
    const [slice] = await eventually("a slice with 3 endpoints", async () => {
      const s = await slices();
      return s.length === 1 && s[0]!.endpoints?.length === 3 && s;
    });
    assert.match(slice!.metadata!.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(slice!.metadata!.ownerReferences![0]!.kind, "Service");
    assert.equal(slice!.metadata!.labels!["endpointslice.kubernetes.io/managed-by"], "endpointslice-controller.k8s.io");
    assert.deepEqual(slice!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  });

  test("a pod being deleted leaves the Endpoints at once and stays in the slice as terminating", async () => {
    await client.delete(PODS, "default", "web-1", { gracePeriodSeconds: 30 });
    await eventually("web-1 gone from Endpoints", async () => (await endpoints()).subsets?.[0]?.addresses?.length === 2);
    const slice = await eventually("web-1 terminating in the slice", async () => {
      const e = (await slices())[0]?.endpoints?.find((x) => x.targetRef?.name === "web-1");
      return e?.conditions?.terminating === true && e;
    });
    assert.deepEqual(slice.conditions, { ready: false, serving: true, terminating: true });
    await client.patch(PODS, "default", "web-1", "merge", { metadata: { finalizers: null } });
    await eventually("web-1 gone from the slice", async () => (await slices())[0]?.endpoints?.length === 2);
  });

  test("deleting the service removes its Endpoints and (through the garbage collector) its slices", async () => {
    await client.delete(SERVICES, "default", "web");
    await eventually("Endpoints gone", async () => endpoints().then(() => false, () => true));
    await eventually("slices gone", async () => (await slices()).length === 0);
  });

  test("Endpoints written by hand for a name no service has are left alone", async () => {
    await client.create(ENDPOINTS, "default", { apiVersion: "v1", kind: "Endpoints", metadata: { name: "by-hand" }, subsets: [{ addresses: [{ ip: "10.0.0.24" }], ports: [{ port: 80 }] }] });
    // The controllers had their chance: a service created and deleted after it has been handled by now.
    await client.create(SERVICES, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "marker" }, spec: { selector: { app: "none" }, ports: [{ port: 80 }] } });
    await eventually("the marker's Endpoints", () => client.get(ENDPOINTS, "default", "marker").then(() => true, () => false));
    assert.deepEqual((await client.get<Endpoints & KubeObject>(ENDPOINTS, "default", "by-hand")).subsets![0]!.addresses, [{ ip: "10.0.0.24" }]);
  });

  test("a selector-less service's hand-written Endpoints are mirrored into EndpointSlices, and unmirrored when the service goes", async () => {
    const mirrored = async () => (await client.list<EndpointSlice & KubeObject>(ENDPOINTSLICES, "default", { labelSelector: "kubernetes.io/service-name=db" })).items;
    await client.create(SERVICES, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { ports: [{ name: "pg", port: 5432 }] } });
    const ep = await client.create(ENDPOINTS, "default", {
      apiVersion: "v1", kind: "Endpoints", metadata: { name: "db", labels: { team: "data" } },
      subsets: [{ addresses: [{ ip: "10.0.0.5" }], notReadyAddresses: [{ ip: "10.0.0.6" }], ports: [{ name: "pg", port: 5432 }] }],
    });
    const [slice] = await eventually("a mirrored slice", async () => {
      const s = await mirrored();
      return s.length === 1 && s;
    });
    assert.equal(slice!.metadata!.labels!["endpointslice.kubernetes.io/managed-by"], "endpointslicemirroring-controller.k8s.io");
    assert.equal(slice!.metadata!.labels!.team, "data");
    assert.deepEqual(slice!.metadata!.ownerReferences!.map((r) => [r.kind, r.name, r.uid]), [["Endpoints", "db", ep.metadata.uid]]);
    assert.deepEqual(slice!.endpoints!.map((e) => [e.addresses[0], e.conditions?.ready]), [["10.0.0.5", true], ["10.0.0.6", false]]);
    assert.deepEqual(slice!.ports, [{ name: "pg", port: 5432, protocol: "TCP" }]);
    assert.equal(slice!.metadata!.name!.startsWith("db-"), true);

    await client.patch(ENDPOINTS, "default", "db", "merge", { subsets: [{ addresses: [{ ip: "10.0.0.7" }], ports: [{ name: "pg", port: 5432 }] }] });
    await eventually("the slice to follow the change", async () => JSON.stringify((await mirrored())[0]?.endpoints?.map((e) => e.addresses[0])) === JSON.stringify(["10.0.0.7"]));
    assert.equal((await mirrored())[0]!.metadata!.name, slice!.metadata!.name, "the slice is updated in place");

    await client.patch(ENDPOINTS, "default", "db", "merge", { metadata: { labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } } });
    await eventually("skip-mirror to remove the mirror", async () => (await mirrored()).length === 0);
    await client.patch(ENDPOINTS, "default", "db", "merge", { metadata: { labels: { "endpointslice.kubernetes.io/skip-mirror": null } } });
    await eventually("the mirror back", async () => (await mirrored()).length === 1);

    await client.delete(SERVICES, "default", "db");
    await eventually("the mirror gone with the service", async () => (await mirrored()).length === 0);
    await eventually("the Endpoints gone with the service, as upstream's endpoints controller does", () => client.get(ENDPOINTS, "default", "db").then(() => false, () => true));
  });
});
