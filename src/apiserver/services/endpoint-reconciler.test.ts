import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStore } from "../../store/memory.js";
import { ApiServer } from "../server.js";
import { LeaseEndpointReconciler, MASTER_LEASES_PREFIX } from "./endpoint-reconciler.js";

type Endpoints = { subsets: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ port: number }> }> };
type Slice = { endpoints: Array<{ addresses: string[]; conditions: { ready: boolean } }> };

async function addresses(port: number): Promise<{ endpoints: string[]; slice: string[] }> {
  const ep = await (await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/endpoints/kubernetes`)).json() as Endpoints;
  const slice = await (await fetch(`http://127.0.0.1:${port}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes`)).json() as Slice;
  return { endpoints: (ep.subsets[0]?.addresses ?? []).map((a) => a.ip), slice: slice.endpoints.flatMap((e) => e.addresses) };
}

test("ApiServer: the kubernetes Endpoints and EndpointSlice name every API server sharing the store, and lose one that stops cleanly at once", async () => {
  const store = new MemoryStore();
  const a = new ApiServer({ store, advertiseAddress: "127.0.0.2", log: () => {} });
  const b = new ApiServer({ store, advertiseAddress: "127.0.0.3", log: () => {} });
  const portA = await a.listen(0);
  assert.deepEqual(await addresses(portA), { endpoints: ["127.0.0.2"], slice: ["127.0.0.2"] });
  const portB = await b.listen(0);
  assert.deepEqual(await addresses(portA), { endpoints: ["127.0.0.2", "127.0.0.3"], slice: ["127.0.0.2", "127.0.0.3"] }, "read through the other server");
  await b.close();
  assert.deepEqual(await addresses(portA), { endpoints: ["127.0.0.2"], slice: ["127.0.0.2"] });
  assert.ok(portB > 0);
  await a.close();
  await store.close();
});

test("LeaseEndpointReconciler drops an API server whose lease went unrenewed for the TTL on the reconciler's own clock, and takes it back when it renews", async () => {
  const store = new MemoryStore();
  const server = new ApiServer({ store, advertiseAddress: "127.0.0.2", endpointReconcilerType: "none", log: () => {} });
  const port = await server.listen(0);
  const rests = { endpoints: server.restFor("", "endpoints"), endpointSlices: server.restFor("discovery.k8s.io", "endpointslices") };
  let now = Date.parse("2026-01-01T00:00:00Z");
  const clock = { now: () => now };
  const logs: Array<Record<string, unknown>> = [];
  const dying = new LeaseEndpointReconciler(store, rests, { ip: "10.0.0.1", port: 6443, clock });
  const live = new LeaseEndpointReconciler(store, rests, { ip: "10.0.0.2", port: 6443, clock, log: (e) => void logs.push(e) });
  try {
    assert.deepEqual(await dying.reconcile(), ["10.0.0.1"]);
    assert.deepEqual(await live.reconcile(), ["10.0.0.1", "10.0.0.2"]);
    now += 10_000;
    assert.deepEqual(await live.reconcile(), ["10.0.0.1", "10.0.0.2"], "10 s unrenewed: still within the 15 s TTL");
    now += 5_000;
    assert.deepEqual(await live.reconcile(), ["10.0.0.2"], "15 s unrenewed: expired");
    assert.equal(await store.get(`${MASTER_LEASES_PREFIX}10.0.0.1`), undefined, "the expired lease is deleted");
    assert.deepEqual((await addresses(port)).endpoints, ["10.0.0.2"]);
    assert.ok(logs.some((e) => e.address === "10.0.0.1"));
    now += 1_000;
    assert.deepEqual(await dying.reconcile(), ["10.0.0.1", "10.0.0.2"], "back: it renews its lease");
    now += 14_000;
    assert.deepEqual(await live.reconcile(), ["10.0.0.1", "10.0.0.2"], "a renewed lease counts from when it was renewed");
  } finally {
    await server.close();
    await store.close();
  }
});
