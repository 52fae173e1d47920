import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore } from "../../store/memory.js";
import { SqliteStore } from "../../store/sqlite.js";
import { ServiceAllocations } from "./allocations.js";
import { startTestServer } from "../testing.js";

const SVCS = "/api/v1/namespaces/default/services";
type Spec = { clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[]; ports: Array<{ port: number; nodePort?: number; name?: string }>; type?: string };
const service = (name: string, spec: Partial<Spec> = {}) => ({
  apiVersion: "v1", kind: "Service", metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const specOf = (body: Record<string, unknown>) => body.spec as Spec;
const inRange = (ip: string) => /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/.test(ip);

describe("Service allocations", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  test("the API server publishes itself as default/kubernetes on 10.96.0.1:443", async () => {
    const svc = await t.call("GET", `${SVCS}/kubernetes`);
    assert.equal(specOf(svc.body).clusterIP, "10.96.0.1");
    const ep = await t.call("GET", "/api/v1/namespaces/default/endpoints/kubernetes");
    const subsets = ep.body.subsets as Array<{ ports: Array<{ port: number }> }>;
    assert.equal(subsets[0]!.ports[0]!.port, Number(new URL(t.base).port));
    const slice = await t.call("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
    assert.equal(slice.status, 200);
  });

  test("create gives a ClusterIP service an address from 10.96.0.0/12, with clusterIPs and ipFamilies", async () => {
    const r = await t.call("POST", SVCS, service("a"));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const spec = specOf(r.body);
    assert.ok(inRange(spec.clusterIP!), spec.clusterIP);
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    assert.deepEqual(spec.ipFamilies, ["IPv4"]);
  });

  test("a NodePort service gets a node port in 30000–32767 for each port", async () => {
    const r = await t.call("POST", SVCS, service("np", { type: "NodePort", ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }] }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const [a, b] = specOf(r.body).ports;
    for (const p of [a!, b!]) assert.ok(p.nodePort! >= 30000 && p.nodePort! <= 32767, String(p.nodePort));
    assert.notEqual(a!.nodePort, b!.nodePort);
  });

  test("a requested cluster IP or node port that is taken → 422 with upstream's message, and nothing is written", async () => {
    const first = await t.call("POST", SVCS, service("own", { clusterIP: "10.96.0.50", type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const ip = await t.call("POST", SVCS, service("ip-clash", { clusterIP: "10.96.0.50" }));
    assert.equal(ip.status, 422);
    assert.match(String(ip.body.message), /spec.clusterIPs\[0\]: Invalid value: "10.96.0.50": failed to allocate IP 10.96.0.50: provided IP is already allocated/);
    const port = await t.call("POST", SVCS, service("port-clash", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(port.status, 422);
    assert.match(String(port.body.message), /spec.ports\[0\].nodePort: Invalid value: 30080: provided port is already allocated/);
    assert.equal((await t.call("GET", `${SVCS}/port-clash`)).status, 404);
  });

  test("an IP the failed create took is free again (no half-written allocation)", async () => {
    const r = await t.call("POST", SVCS, service("half", { clusterIP: "10.96.0.60", type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(r.status, 422);
    const again = await t.call("POST", SVCS, service("whole", { clusterIP: "10.96.0.60" }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });

  test("out of range → 422", async () => {
    const ip = await t.call("POST", SVCS, service("far", { clusterIP: "192.168.1.1" }));
    assert.equal(ip.status, 422);
    assert.match(String(ip.body.message), /the provided IP \(192.168.1.1\) is not in the valid range. The range of valid IPs is 10.96.0.0\/12/);
    const port = await t.call("POST", SVCS, service("low", { type: "NodePort", ports: [{ port: 80, nodePort: 8080 }] }));
    assert.equal(port.status, 422);
    assert.match(String(port.body.message), /provided port is not in the valid range. The range of valid ports is 30000-32767/);
  });

  test("deleting a service frees its IP and node port", async () => {
    await t.call("POST", SVCS, service("tmp", { clusterIP: "10.96.0.70", type: "NodePort", ports: [{ port: 80, nodePort: 30070 }] }));
    assert.equal((await t.call("DELETE", `${SVCS}/tmp`)).status, 200);
    const r = await t.call("POST", SVCS, service("tmp2", { clusterIP: "10.96.0.70", type: "NodePort", ports: [{ port: 80, nodePort: 30070 }] }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  test("an update without clusterIP or nodePort keeps them; changing the cluster IP → 422", async () => {
    const created = await t.call("POST", SVCS, service("keep", { type: "NodePort" }));
    const spec = specOf(created.body);
    const replaced = await t.call("PUT", `${SVCS}/keep`, { ...service("keep", { type: "NodePort", ports: [{ port: 80 }] }) });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(specOf(replaced.body).clusterIP, spec.clusterIP);
    assert.equal(specOf(replaced.body).ports[0]!.nodePort, spec.ports[0]!.nodePort);
    const changed = await t.call("PUT", `${SVCS}/keep`, service("keep", { type: "NodePort", clusterIP: "10.96.0.80" }));
    assert.equal(changed.status, 422);
    assert.match(String(changed.body.message), /spec.clusterIPs\[0\]: Invalid value: "10.96.0.80": may not change once set/);
  });

  test("NodePort → ClusterIP gives the node port back", async () => {
    await t.call("POST", SVCS, service("shrink", { type: "NodePort", ports: [{ port: 80, nodePort: 30090 }] }));
    const r = await t.call("PATCH", `${SVCS}/shrink`, { spec: { type: "ClusterIP" } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(specOf(r.body).ports[0]!.nodePort, undefined);
    const reuse = await t.call("POST", SVCS, service("reuse", { type: "NodePort", ports: [{ port: 80, nodePort: 30090 }] }));
    assert.equal(reuse.status, 201, JSON.stringify(reuse.body));
  });

  test("a headless service gets no address", async () => {
    const r = await t.call("POST", SVCS, service("headless", { clusterIP: "None" }));
    assert.equal(r.status, 201);
    assert.deepEqual(specOf(r.body).clusterIPs, ["None"]);
  });

  test("nodePort on a ClusterIP service, or the same nodePort twice → 422", async () => {
    const cip = await t.call("POST", SVCS, service("cip", { ports: [{ port: 80, nodePort: 30100 }] }));
    assert.equal(cip.status, 422);
    assert.match(String(cip.body.message), /spec.ports\[0\].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
    const dup = await t.call("POST", SVCS, service("dup", { type: "NodePort", ports: [{ name: "a", port: 80, nodePort: 30101 }, { name: "b", port: 81, nodePort: 30101 }] }));
    assert.equal(dup.status, 422);
    assert.match(String(dup.body.message), /spec.ports\[1\].nodePort: Duplicate value: 30101/);
  });
});

test("Service allocations survive a restart of the API server", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tug-alloc-"));
  try {
    const first = await startTestServer({ store: new SqliteStore(join(dir, "state.sqlite")) });
    const created = await first.call("POST", SVCS, service("kept", { type: "NodePort", ports: [{ port: 80, nodePort: 30555 }] }));
    const ip = specOf(created.body).clusterIP!;
    await first.close();
    const second = await startTestServer({ store: new SqliteStore(join(dir, "state.sqlite")) });
    try {
      const clash = await second.call("POST", SVCS, service("other", { clusterIP: ip, type: "NodePort", ports: [{ port: 80, nodePort: 30555 }] }));
      assert.equal(clash.status, 422);
      assert.equal((clash.body.details as { causes: unknown[] }).causes.length, 2);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("creating a Service that exists → 409 AlreadyExists, not a clash with its own cluster IP", async () => {
  const t = await startTestServer();
  try {
    const svc = service("twice", { clusterIP: "10.96.0.90" });
    assert.equal((await t.call("POST", SVCS, svc)).status, 201);
    const again = await t.call("POST", SVCS, svc);
    assert.equal(again.status, 409);
    assert.equal(again.body.reason, "AlreadyExists");
  } finally {
    await t.close();
  }
});

test("ServiceAllocations.repair of an API server starting beside another does not free an allocation whose Service is still being written", async () => {
  const store = new MemoryStore();
  const a = new ServiceAllocations(store);
  // What A's create holds between reserving and writing the Service: the members, no Service yet.
  assert.ok(await a.ips.allocate(a.ips.range.parse("10.96.50.50")!, "uid-in-flight"));
  assert.ok(await a.nodePorts.allocate(31_000, "uid-in-flight"));
  const b = await startTestServer({ store }); // B's start-up runs the repair
  try {
    assert.equal(await a.ips.ownerOf(a.ips.range.parse("10.96.50.50")!), "uid-in-flight");
    assert.equal(await a.nodePorts.ownerOf(31_000), "uid-in-flight");
  } finally {
    await b.server.close();
  }
});

test("ServiceAllocations.releaseLeaked frees what repair found leaked only if it is still leaked and unchanged", async () => {
  const store = new MemoryStore();
  const allocations = new ServiceAllocations(store);
  const ip = (s: string) => allocations.ips.range.parse(s)!;
  await allocations.ips.allocate(ip("10.96.0.20"), "gone");
  await allocations.ips.allocate(ip("10.96.0.21"), "written-meanwhile");
  await allocations.nodePorts.allocate(30_100, "gone");
  await allocations.repair([]);
  assert.equal(await allocations.ips.ownerOf(ip("10.96.0.20")), "gone", "repair only notes the leak");
  const meanwhile = { apiVersion: "v1", kind: "Service", metadata: { name: "m", namespace: "default", uid: "written-meanwhile" }, spec: { clusterIP: "10.96.0.21" } };
  assert.equal(await allocations.releaseLeaked([meanwhile]), 2);
  assert.equal(await allocations.ips.ownerOf(ip("10.96.0.20")), undefined);
  assert.equal(await allocations.nodePorts.ownerOf(30_100), undefined);
  assert.equal(await allocations.ips.ownerOf(ip("10.96.0.21")), "written-meanwhile");
  await store.close();
});
