import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { RestClient, type ResourceRef } from "../client/rest.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { MemoryStore } from "../store/memory.js";

const PODS: ResourceRef = { group: "", version: "v1", resource: "pods", namespaced: true };
const NODES: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };
const EVENTS: ResourceRef = { group: "", version: "v1", resource: "events", namespaced: true };

const node = (name: string, labels: Record<string, string> = {}, cpu = "4"): KubeObject => ({
  apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
  status: { allocatable: { cpu, memory: "8Gi", pods: "110" }, capacity: { cpu, memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
});

const pod = (name: string, spec: Record<string, unknown> = {}, owner?: string): KubeObject => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: `uid-${owner}`, controller: true }] } : {}) },
  spec: { containers: [{ name: "c", image: "nginx", ...(spec.container as object) }], ...spec, container: undefined },
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe("scheduler against the real API server", () => {
  let server: ApiServer;
  let client: RestClient;
  const stop = new AbortController();
  let running: Promise<void>;
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    await client.create(NODES, undefined, node("node-1"));
    await client.create(NODES, undefined, node("node-2"));
    running = new Scheduler(client).run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    client.close();
    await server.close();
  });

  const nodeOf = (name: string) => eventually(`pod ${name} bound`, async () => (await client.get(PODS, "default", name)).spec && ((await client.get(PODS, "default", name)).spec as { nodeName?: string }).nodeName);

  test("pods of one owner are bound and spread across nodes", async () => {
    for (let i = 0; i < 10; i++) await client.create(PODS, "default", pod(`web-${i}`, {}, "web"));
    const nodes = await Promise.all(Array.from({ length: 10 }, (_, i) => nodeOf(`web-${i}`)));
    assert.equal(nodes.filter((n) => n === "node-1").length, 5);
    assert.equal(nodes.filter((n) => n === "node-2").length, 5);
  });

  test("an unsatisfiable nodeSelector leaves the pod Pending with upstream's condition and event, until a node matches", async () => {
    await client.create(PODS, "default", pod("picky", { nodeSelector: { disktype: "ssd" } }));
    const message = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.";
    const condition = await eventually("PodScheduled=False", async () => {
      const p = await client.get(PODS, "default", "picky");
      return ((p.status as { conditions?: Array<Record<string, string>> }).conditions ?? []).find((c) => c.type === "PodScheduled");
    });
    assert.deepEqual([condition.status, condition.reason, condition.message], ["False", "Unschedulable", message]);
    const events = await client.list(EVENTS, "default", { fieldSelector: "involvedObject.name=picky,reason=FailedScheduling" });
    assert.equal(events.items[0]?.message, message);
    assert.equal(events.items[0]?.type, "Warning");
    await client.patch(NODES, undefined, "node-2", "merge", { metadata: { labels: { disktype: "ssd" } } });
    assert.equal(await nodeOf("picky"), "node-2");
  });

  test("requests beyond allocatable cpu stay Pending with Insufficient cpu", async () => {
    await client.create(NODES, undefined, node("small", { size: "small" }, "1"));
    const wants = (name: string) => pod(name, { nodeSelector: { size: "small" }, container: { resources: { requests: { cpu: "600m" } } } });
    await client.create(PODS, "default", wants("fits"));
    assert.equal(await nodeOf("fits"), "small");
    await client.create(PODS, "default", wants("too-big"));
    const events = await eventually("FailedScheduling", async () => {
      const list = await client.list(EVENTS, "default", { fieldSelector: "involvedObject.name=too-big,reason=FailedScheduling" });
      return list.items[0];
    });
    assert.equal(events.message, "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.");
  });
  test("NodePorts filter: a taken host port keeps a pod off the node (0.0.0.0 conflicts with every hostIP), other hostIPs and protocols share it", async () => {
    await client.create(NODES, undefined, node("ports", { ports: "yes" }));
    const wants = (name: string, hostIP?: string, protocol?: string) => pod(name, {
      nodeSelector: { ports: "yes" }, container: { ports: [{ containerPort: 9000, hostPort: 9000, ...(hostIP ? { hostIP } : {}), ...(protocol ? { protocol } : {}) }] },
    });
    await client.create(PODS, "default", wants("port-local", "127.0.0.1"));
    assert.equal(await nodeOf("port-local"), "ports");
    await client.create(PODS, "default", wants("port-other-ip", "127.0.0.2"));
    assert.equal(await nodeOf("port-other-ip"), "ports");
    await client.create(PODS, "default", wants("port-udp", undefined, "UDP"));
    assert.equal(await nodeOf("port-udp"), "ports");
    await client.create(PODS, "default", wants("port-any"));
    const event = await eventually("FailedScheduling", async () => {
      const list = await client.list(EVENTS, "default", { fieldSelector: "involvedObject.name=port-any,reason=FailedScheduling" });
      return list.items[0];
    });
    assert.match(String(event.message), /1 node\(s\) didn't have free ports for the requested pod ports/);
    assert.equal(((await client.get(PODS, "default", "port-any")).spec as { nodeName?: string }).nodeName, undefined);
  });
});
