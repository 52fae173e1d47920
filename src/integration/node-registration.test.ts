import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { ApiServer } from "../apiserver/server.js";
import { realClock } from "../client/clock.js";
import { NODES } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { MemoryStore } from "../store/memory.js";
import { registerNodeWithRetry } from "../node/register.js";

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

test("a node agent started before its API server keeps trying to register, and registers once the server is up", async () => {
  const port = await freePort();
  const client = new RestClient({ server: `http://127.0.0.1:${port}` });
  const failures: Array<Record<string, unknown>> = [];
  const stop = new AbortController();
  const node = () => ({ apiVersion: "v1", kind: "Node", metadata: { name: "early" }, status: { capacity: { cpu: "1" } } });
  const registering = registerNodeWithRetry(client, node, { clock: realClock, signal: stop.signal, log: (e) => failures.push(e) });
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(failures.length >= 2, `${failures.length} attempts while the server was down`);
  assert.equal(failures[0]!.msg, "Unable to register node with API server");
  assert.match(String(failures[0]!.err), /ECONNREFUSED/);

  const store = new MemoryStore();
  const server = new ApiServer({ store, log: () => {} });
  await server.listen(port);
  try {
    const uid = await registering;
    assert.ok(uid);
    assert.equal((await client.get(NODES, undefined, "early")).metadata.uid, uid);
  } finally {
    client.close();
    await server.close();
    await store.close();
  }
});

test("registration gives up when its agent is stopped", async () => {
  const client = new RestClient({ server: `http://127.0.0.1:${await freePort()}` });
  const stop = new AbortController();
  const registering = registerNodeWithRetry(client, () => ({ apiVersion: "v1", kind: "Node", metadata: { name: "never" } }), { clock: realClock, signal: stop.signal });
  setTimeout(() => stop.abort(), 150);
  assert.equal(await registering, undefined);
  client.close();
});
