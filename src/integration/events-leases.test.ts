import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { EventRecorder } from "../client/events.js";
import { runLeaderElection } from "../client/leader-election.js";
import { RestClient } from "../client/rest.js";
import { MemoryStore } from "../store/memory.js";

const events = { group: "", version: "v1", resource: "events", namespaced: true };

describe("event recorder and leader election against the real API server", () => {
  const store = new MemoryStore();
  let server: ApiServer;
  let client: RestClient;
  before(async () => {
    server = new ApiServer({ store, log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  const rs: KubeObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "myapp", namespace: "default", uid: "uid-1" } };

  test("EventRecorder counts repeats on one Event and combines more than ten similar ones", async () => {
    const recorder = new EventRecorder(client, "replicaset-controller");
    for (let i = 0; i < 3; i++) await recorder.event(rs, "Normal", "SuccessfulCreate", "Created pod: myapp-bln4v");
    let list = await client.list(events, "default", { fieldSelector: "involvedObject.name=myapp,reason=SuccessfulCreate" });
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]!.count, 3);
    assert.equal(list.items[0]!.message, "Created pod: myapp-bln4v");
    assert.deepEqual(list.items[0]!.source, { component: "replicaset-controller" });
    for (let i = 0; i < 12; i++) await recorder.event(rs, "Warning", "FailedCreate", `Error creating: attempt ${i}`);
    list = await client.list(events, "default", { fieldSelector: "reason=FailedCreate" });
    const combined = list.items.filter((e) => String(e.message).startsWith("(combined from similar events): "));
    assert.equal(combined.length, 1);
    assert.equal(combined[0]!.count, 2);
    assert.equal(list.items.length, 11);
  });

  test("EventRecorder: a burst of concurrent repeats makes one Event with the full count, in a few writes", async () => {
    const recorder = new EventRecorder(client, "deployment-controller");
    const d: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "burst", namespace: "default", uid: "uid-2" } };
    const before = Number((await client.list(events, "default")).metadata.resourceVersion);
    await Promise.all(Array.from({ length: 200 }, () => recorder.event(d, "Normal", "ScalingReplicaSet", "Scaled up replica set burst-abc to 1")));
    const list = await client.list(events, "default", { fieldSelector: "involvedObject.name=burst" });
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]!.count, 200);
    const writes = Number(list.metadata.resourceVersion) - before;
    assert.ok(writes <= 5, `${writes} writes`);
  });

  test("EventRecorder remembers the newest 4,096 events, as upstream's correlator: older ones are forgotten, not kept forever", async () => {
    const recorder = new EventRecorder(client, "default-scheduler");
    const pod = (i: number): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: `lru-${i}`, namespace: "default", uid: `lru-uid-${i}` } });
    for (let i = 0; i <= 4096; i += 64) await Promise.all(Array.from({ length: Math.min(64, 4097 - i) }, (_, j) => recorder.event(pod(i + j), "Normal", "Scheduled", "Successfully assigned")));
    await recorder.event(pod(4096), "Normal", "Scheduled", "Successfully assigned");
    await recorder.event(pod(0), "Normal", "Scheduled", "Successfully assigned");
    const count = async (i: number) => (await client.list(events, "default", { fieldSelector: `involvedObject.name=lru-${i}` })).items.map((e) => e.count);
    assert.deepEqual(await count(4096), [2], "a recent event is counted again");
    assert.deepEqual((await count(0)).sort(), [1, 1], "the oldest was forgotten: its repeat is a new Event");
  });

  test("runLeaderElection: one leader at a time, and a successor once the holder stops renewing", async () => {
    const opts = { namespace: "kube-system", name: "tug-controller-manager", leaseDurationMs: 400, renewDeadlineMs: 300, retryPeriodMs: 50 };
    const leading: string[] = [];
    const a = new AbortController();
    const b = new AbortController();
    const runA = runLeaderElection(client, { ...opts, identity: "a" }, () => leading.push("a"), a.signal);
    await new Promise((r) => setTimeout(r, 150));
    const runB = runLeaderElection(client, { ...opts, identity: "b" }, () => leading.push("b"), b.signal);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(leading, ["a"]);
    a.abort();
    await runA;
    const deadline = Date.now() + 3000;
    while (!leading.includes("b") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(leading, ["a", "b"]);
    const lease = await client.get({ group: "coordination.k8s.io", version: "v1", resource: "leases", namespaced: true }, "kube-system", "tug-controller-manager");
    assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, "b");
    assert.equal((lease.spec as { leaseTransitions: number }).leaseTransitions, 1);
    b.abort();
    await runB;
  });
});
