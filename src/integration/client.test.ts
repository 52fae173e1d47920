import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { isConflict, isNotFound } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { Informer, type Tombstone } from "../client/informer.js";
import { RestClient, type ResourceRef } from "../client/rest.js";
import { MemoryStore } from "../store/memory.js";

const configmaps: ResourceRef = { group: "", version: "v1", resource: "configmaps", namespaced: true };
const cm = (name: string, data: Record<string, string> = { k: "v" }): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

for (const transport of ["http", "in-process"] as const) describe(`client runtime against the real API server (${transport})`, () => {
  const store = new MemoryStore();
  let server: ApiServer;
  let port = 0;
  let client: RestClient;
  before(async () => {
    server = new ApiServer({ store, log: () => {} });
    port = await server.listen(0);
    client = new RestClient({
      server: `http://127.0.0.1:${port}`,
      ...(transport === "in-process" ? { transport: (req) => server.transport()(req) } : {}),
    });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test("RestClient creates, reads, patches and deletes, decoding failures into StatusError", async () => {
    const created = await client.create(configmaps, "default", cm("one"));
    assert.equal(created.metadata.name, "one");
    assert.equal((await client.get(configmaps, "default", "one")).metadata.uid, created.metadata.uid);
    const patched = await client.patch(configmaps, "default", "one", "merge", { data: { k: "v2" } });
    assert.deepEqual(patched.data, { k: "v2" });
    await assert.rejects(client.update(configmaps, { ...created, data: { k: "stale" } }), (e) => isConflict(e));
    await client.delete(configmaps, "default", "one");
    await assert.rejects(client.get(configmaps, "default", "one"), (e) => isNotFound(e));
    assert.equal((await client.list(configmaps, "default")).items.length, 0);
  });

  test("RestClient.watch decodes the event stream", async () => {
    const list = await client.list(configmaps, "default");
    const seen: string[] = [];
    const ac = new AbortController();
    const done = client.watch(configmaps, "default", { resourceVersion: list.metadata.resourceVersion }, (type, obj) => {
      seen.push(`${type} ${obj.metadata.name}`);
      if (seen.length === 3) ac.abort();
    }, ac.signal);
    await client.create(configmaps, "default", cm("w"));
    await client.patch(configmaps, "default", "w", "merge", { data: { k: "x" } });
    await client.delete(configmaps, "default", "w");
    await done;
    assert.deepEqual(seen, ["ADDED w", "MODIFIED w", "DELETED w"]);
  });

  test("Informer handlers removed with the function on() returns see nothing more; the others go on", async () => {
    const informer = new Informer(client, { resource: configmaps, namespace: "default" });
    const kept: string[] = [];
    const removed: string[] = [];
    informer.on({ add: (o) => kept.push(o.metadata.name!) });
    const remove = informer.on({ add: (o) => removed.push(o.metadata.name!) });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
      await informer.waitForSync();
      await client.create(configmaps, "default", cm("before-removal"));
      const deadline = Date.now() + 5000;
      const seen = async (name: string) => {
        while (!kept.includes(name)) {
          if (Date.now() > deadline) throw new Error(`no add of ${name} in ${JSON.stringify(kept)}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await seen("before-removal");
      assert.ok(removed.includes("before-removal"));
      remove();
      await client.create(configmaps, "default", cm("after-removal"));
      await seen("after-removal");
      assert.ok(!removed.includes("after-removal"));
    } finally {
      ac.abort();
      await running;
      await client.delete(configmaps, "default", "before-removal");
      await client.delete(configmaps, "default", "after-removal");
    }
  });

  test("Informer syncs, follows changes, freezes its cache, and after a 410 relists with tombstones", async () => {
    await client.create(configmaps, "default", cm("a"));
    await client.create(configmaps, "default", cm("b"));
    const informer = new Informer(client, { resource: configmaps, namespace: "default", freeze: true });
    const events: string[] = [];
    informer.on({
      add: (o) => events.push(`add ${o.metadata.name}`),
      update: (_old, o) => events.push(`update ${o.metadata.name}`),
      delete: (o) => events.push("tombstone" in o ? `tombstone ${(o as Tombstone<KubeObject>).key}` : `delete ${o.metadata.name}`),
    });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    try {
    await informer.waitForSync();
    assert.deepEqual(events.sort(), ["add a", "add b"]);
    const lister = informer.lister();
    assert.throws(() => {
      (lister.get("default", "a")!.data as Record<string, string>).k = "mutated";
    }, TypeError);

    const until = async (want: string) => {
      const deadline = Date.now() + 5000;
      while (!events.includes(want)) {
        if (Date.now() > deadline) throw new Error(`no "${want}" in ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await client.patch(configmaps, "default", "a", "merge", { data: { k: "2" } });
    await until("update a");

    // Take the server away, change the world behind the informer's back, compact history, come back.
    await server.close();
    const gone = (await store.list("/registry/core/configmaps/default/b")).items[0]!;
    await store.delete(gone.key);
    await store.create("/registry/core/configmaps/default/c", JSON.stringify({ metadata: { name: "c", namespace: "default", uid: "u-c", creationTimestamp: "2026-01-01T00:00:00Z" }, apiVersion: "v1", kind: "ConfigMap" }));
    await store.compact(await store.revision());
    server = new ApiServer({ store, log: () => {} });
    await server.listen(port);
    await until("tombstone default/b");
    await until("add c");
    assert.deepEqual(lister.list("default").map((o) => o.metadata.name).sort(), ["a", "c"]);
    } finally {
      ac.abort();
      await running;
    }
  });
});
