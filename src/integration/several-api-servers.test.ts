import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { ApiServer } from "../apiserver/server.js";
import { Informer } from "../client/informer.js";
import { CONFIGMAPS, NAMESPACES, SERVICES } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { MemoryStore } from "../store/memory.js";

/** A loopback port nothing listens on: connecting is refused at once. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An informer on default's ConfigMaps through `client`, synced: the names it was told were added, and its stop. */
async function watchConfigMaps(client: RestClient): Promise<{ seen: Set<string>; stop: () => Promise<void> }> {
  const seen = new Set<string>();
  const informer = new Informer(client, { resource: CONFIGMAPS, namespace: "default" });
  informer.on({ add: (o) => void seen.add(o.metadata.name!) });
  const abort = new AbortController();
  const running = informer.run(abort.signal);
  await informer.waitForSync();
  return {
    seen, stop: async () => {
      abort.abort();
      await running;
    },
  };
}

describe("several API servers on one store", () => {
  let store: MemoryStore;
  let a: ApiServer;
  let b: ApiServer;
  let urlA: string;
  let urlB: string;
  before(async () => {
    store = new MemoryStore();
    a = new ApiServer({ store, advertiseAddress: "127.0.0.2", log: () => {} });
    b = new ApiServer({ store, advertiseAddress: "127.0.0.3", log: () => {} });
    urlA = `http://127.0.0.1:${await a.listen(0)}`;
    urlB = `http://127.0.0.1:${await b.listen(0)}`;
  });
  after(async () => {
    await b.close();
    await a.close().catch(() => undefined);
    await store.close();
  });

  test("RestClient given two server URLs where the first is dead reads and writes through the second, and stays there", async () => {
    const dead = await deadUrl();
    const client = new RestClient({ server: dead, servers: [dead, urlA] });
    const list = await client.list(NAMESPACES);
    assert.ok(list.items.some((ns) => ns.metadata.name === "kube-system"));
    assert.equal(client.server, `${urlA}/`);
    await client.create(CONFIGMAPS, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "through-a" } });
    client.close();
  });

  test("RestClient given one dead server URL fails with the connection's error, not a hang", async () => {
    const client = new RestClient({ server: await deadUrl() });
    await assert.rejects(client.list(NAMESPACES), (err: Error & { code?: string }) => err.code === "ECONNREFUSED");
    client.close();
  });

  test("Services created at once through two API servers get distinct cluster IPs and node ports", async () => {
    const ca = new RestClient({ server: urlA });
    const cb = new RestClient({ server: urlB });
    const svc = (i: number) => ({
      apiVersion: "v1", kind: "Service", metadata: { name: `race-${i}` },
      spec: { type: "NodePort", selector: { app: "x" }, ports: [{ port: 80 }] },
    });
    const created = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? ca : cb).create(SERVICES, "default", svc(i))));
    const ips = created.map((s) => (s.spec as { clusterIP: string }).clusterIP);
    const ports = created.map((s) => (s.spec as { ports: Array<{ nodePort: number }> }).ports[0]!.nodePort);
    assert.equal(new Set(ips).size, 60, "no cluster IP twice");
    assert.equal(new Set(ports).size, 60, "no node port twice");
    // A cluster IP asked for by name through both servers at once: exactly one gets it.
    const wanted = (name: string) => ({ ...svc(0), metadata: { name }, spec: { ...svc(0).spec, clusterIP: "10.96.200.200" } });
    const results = await Promise.allSettled([ca.create(SERVICES, "default", wanted("want-a")), cb.create(SERVICES, "default", wanted("want-b"))]);
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.match(String(refused.reason), /provided IP is already allocated/);
    ca.close();
    cb.close();
  });

  test("an informer's watch moves to the other API server when its server dies", async () => {
    const client = new RestClient({ server: urlA, servers: [urlA, urlB] });
    const { seen, stop } = await watchConfigMaps(client);
    const writer = new RestClient({ server: urlB });
    await writer.create(CONFIGMAPS, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "before" } });
    await until("the first ConfigMap", () => seen.has("before"));
    await a.close(); // the informer's server goes away, with its watch
    await writer.create(CONFIGMAPS, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after" } });
    await until("the ConfigMap written after A died, through B", () => seen.has("after"));
    assert.equal(client.server, `${urlB}/`);
    await stop();
    client.close();
    writer.close();
  });

  test("an informer whose only API server restarts resumes watching from its last version, without listing again", async () => {
    const first = new ApiServer({ store, advertiseAddress: "127.0.0.4", log: () => {} });
    const port = await first.listen(0);
    let lists = 0;
    const client = new (class extends RestClient {
      override list: RestClient["list"] = (...args) => {
        lists++;
        return super.list(...args);
      };
    })({ server: `http://127.0.0.1:${port}` });
    const { seen, stop } = await watchConfigMaps(client);
    const writer = new RestClient({ server: urlB });
    await first.close();
    await writer.create(CONFIGMAPS, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "while-down" } });
    const again = new ApiServer({ store, advertiseAddress: "127.0.0.4", log: () => {} });
    await again.listen(port);
    await until("the ConfigMap written while the server was down", () => seen.has("while-down"));
    assert.equal(lists, 1, "the watch resumed from the last version seen; nothing was listed again");
    await stop();
    client.close();
    writer.close();
    await again.close();
  });
});
