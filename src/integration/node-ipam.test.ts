import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { EVENTS, NODES } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { NodeIpamController } from "../controllers/node-ipam/controller.js";
import { MemoryStore } from "../store/memory.js";

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const node = (name: string, podCIDR?: string): KubeObject => ({
  apiVersion: "v1", kind: "Node", metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

describe("NodeIpamController against the real API server (cluster CIDR 10.1.0.0/22: four /24s)", () => {
  let server: ApiServer;
  let client: RestClient;
  const stop = new AbortController();
  let running: Promise<unknown>;
  const cidr = async (name: string) => ((await client.get(NODES, undefined, name)).spec as { podCIDR?: string }).podCIDR;

  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    // Before the controller starts: a Node holding 10.1.1.0/24 (from an earlier run) and a simulated node's own CIDR.
    await client.create(NODES, undefined, node("held", "10.1.1.0/24"));
    await client.create(NODES, undefined, node("simulated", "10.244.0.0/24"));
    const informers = new SharedInformers(client);
    running = Promise.all([
      new NodeIpamController(client, { informers, clusterCIDR: "10.1.0.0/22", nodeCIDRMaskSize: 24, log: () => {} }).run(stop.signal),
      informers.run(stop.signal),
    ]);
  });
  after(async () => {
    stop.abort();
    await running;
    client.close();
    await server.close();
  });

  test("NodeIpamController rebuilds from existing Nodes: nodes created at once get distinct free /24s, never one a Node holds", async () => {
    await Promise.all(["a", "b", "c"].map((n) => client.create(NODES, undefined, node(n))));
    const got = await eventually("a, b and c allocated", async () => {
      const cidrs = await Promise.all(["a", "b", "c"].map(cidr));
      return cidrs.every(Boolean) && cidrs;
    });
    assert.deepEqual([...got].sort(), ["10.1.0.0/24", "10.1.2.0/24", "10.1.3.0/24"]);
    assert.equal(await cidr("held"), "10.1.1.0/24");
    assert.equal(await cidr("simulated"), "10.244.0.0/24");
    const a = await client.get(NODES, undefined, "a");
    assert.deepEqual((a.spec as { podCIDRs?: string[] }).podCIDRs, [(a.spec as { podCIDR: string }).podCIDR]);
  });

  test("NodeIpamController: an exhausted range is a CIDRNotAvailable event; a deleted Node's CIDR goes to the waiting one", async () => {
    await client.create(NODES, undefined, node("late"));
    const event = await eventually("CIDRNotAvailable", async () => (await client.list(EVENTS, "default")).items.find((e) => (e as { reason?: string }).reason === "CIDRNotAvailable"));
    assert.deepEqual(
      { type: (event as { type?: string }).type, message: (event as { message?: string }).message, source: (event as { source?: { component?: string } }).source?.component },
      { type: "Warning", message: "Node late status is now: CIDRNotAvailable", source: "cidrAllocator" },
    );
    assert.equal(await cidr("late"), undefined);
    const freed = await cidr("b");
    await client.delete(NODES, undefined, "b");
    assert.equal(await eventually("late allocated", () => cidr("late"), 30_000), freed);
  });
});
