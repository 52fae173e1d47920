import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStore } from "../../store/memory.js";
import { ApiServer } from "../server.js";
import { advertiseAddress } from "./bootstrap.js";

const advertised = advertiseAddress("127.0.0.1");

test("ApiServer with bindAdvertiseAddress listens where the kubernetes Endpoints point, as well as on loopback", {
  skip: advertised.startsWith("127.") && "this host has no non-loopback IPv4 address to advertise",
}, async () => {
  const server = new ApiServer({ store: new MemoryStore(), bindAdvertiseAddress: true, log: () => {} });
  const port = await server.listen(0, "127.0.0.1");
  try {
    const endpoints = await (await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/endpoints/kubernetes`)).json() as { subsets: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ port: number }> }> };
    assert.deepEqual([endpoints.subsets[0]!.addresses[0]!.ip, endpoints.subsets[0]!.ports[0]!.port], [advertised, port]);
    const res = await fetch(`http://${advertised}:${port}/version`);
    assert.equal(res.status, 200);
    const api = await (await fetch(`http://127.0.0.1:${port}/api`)).json() as { serverAddressByClientCIDRs: Array<{ serverAddress: string }> };
    assert.equal(api.serverAddressByClientCIDRs[0]!.serverAddress, `${advertised}:${port}`);
  } finally {
    await server.close();
  }
  // Closed: neither address answers any more.
  await assert.rejects(fetch(`http://${advertised}:${port}/version`));
});

test("advertiseAddress skips node agents' pod bridges (tug…): they go away with their agent", () => {
  const iface = (address: string, internal = false) => [{ address, netmask: "255.255.255.0", family: "IPv4" as const, mac: "00:00:00:00:00:00", internal, cidr: `${address}/24` }];
  assert.equal(advertiseAddress("127.0.0.1", { lo: iface("127.0.0.1", true), tugab22b300: iface("10.88.5.1"), eth0: iface("192.0.2.10") }), "192.0.2.10");
  assert.equal(advertiseAddress("127.0.0.1", { lo: iface("127.0.0.1", true), tugab22b300: iface("10.88.5.1") }), "127.0.0.1");
  assert.equal(advertiseAddress("192.0.2.20", { eth0: iface("192.0.2.10") }), "192.0.2.20", "a specific listening address is advertised as it is");
});
