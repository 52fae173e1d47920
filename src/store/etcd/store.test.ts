import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { storeConformance } from "../conformance.js";
import { CompactedError, type StoreEvent } from "../store.js";
import { EtcdStore } from "./store.js";
import { EtcdCompactor } from "./compactor.js";
import { EtcdCluster, etcdMissing } from "./testing.js";
import { EtcdUnavailableError } from "./client.js";

const missing = etcdMissing();
if (missing) console.log(`# etcd store tests skipped: ${missing}`);

/** Waits (without sleeping a fixed time) until `ready` holds, for up to `ms`. */
async function until(ready: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("etcd store", { skip: missing }, () => {
  let etcd: EtcdCluster;
  let n = 0;
  before(async () => {
    etcd = await EtcdCluster.start();
  });
  after(() => etcd?.close());

  // Every case gets a store of its own under a fresh prefix of the one etcd.
  storeConformance("etcd", () => EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/conformance-${n++}` }));
  // The same contract when every get is served from the memory the shared watch keeps.
  storeConformance("etcd (cached gets)", () => EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/conformance-${n++}`, cachedPrefixes: ["/"] }));

  test("etcd store cached gets see another store's writes once its watch delivered them", async () => {
    const prefix = `/cached-${n++}`;
    const reader = await EtcdStore.open({ endpoints: etcd.endpoints, prefix, cachedPrefixes: ["/sa/"] });
    const writer = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
    try {
      await writer.create("/sa/before", "1");
      assert.equal((await reader.get("/sa/before"))?.value, "1", "listed when first read");
      await writer.create("/sa/after", "2");
      await until(async () => (await reader.get("/sa/after"))?.value === "2");
      await writer.delete("/sa/before");
      await until(async () => (await reader.get("/sa/before")) === undefined);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  test("etcd store keeps keys under its prefix, the store's root replaced", async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/tug-root", root: "/registry" });
    try {
      await store.create("/registry/core/pods/default/a", "{}");
      const raw = await store.client.range({ key: new TextEncoder().encode("/tug-root/core/pods/default/a") });
      assert.equal(raw.kvs.length, 1);
      assert.deepEqual((await store.list("/registry/core/pods/")).items.map((i) => i.key), ["/registry/core/pods/default/a"]);
      assert.deepEqual((await store.list("/")).items.map((i) => i.key), ["/registry/core/pods/default/a"]);
    } finally {
      await store.close();
    }
  });

  test("etcd store watch from a revision older than its memory replays from etcd", async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/old-${n++}`, recentChanges: 2 });
    try {
      const first = await store.create("/w/a", "1");
      for (let i = 0; i < 5; i++) await store.create(`/w/b${i}`, "x");
      const seen: string[] = [];
      const ac = new AbortController();
      await store.watch("/w/", first.modRevision, (e) => seen.push(e.kv.key), ac.signal);
      await store.create("/w/c", "2");
      await until(() => seen.length === 6);
      ac.abort();
      assert.deepEqual(seen, ["/w/b0", "/w/b1", "/w/b2", "/w/b3", "/w/b4", "/w/c"]);
    } finally {
      await store.close();
    }
  });

  test("etcd store remaining counts the keys after a page without listing them", async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/count-${n++}` });
    try {
      for (let i = 0; i < 7; i++) await store.create(`/p/${i}`, "x");
      const page = await store.list("/p/", { limit: 3, after: "/p/1", count: true });
      assert.deepEqual(page.items.map((i) => i.key), ["/p/2", "/p/3", "/p/4"]);
      assert.equal(page.remaining, 2);
      assert.equal(await store.count("/p/"), 7);
    } finally {
      await store.close();
    }
  });

  test("etcd compactor elects one server per round through the compact key and compacts a round behind", async () => {
    const key = `compact-${n++}`;
    const a = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/compact-${n++}` });
    const b = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/compact-${n++}` });
    const compactedBy: string[] = [];
    const compactor = (s: EtcdStore, name: string) =>
      new EtcdCompactor(s.client, async (rev) => (compactedBy.push(name), s.compact(rev)), { intervalMs: 60_000, key });
    const [ca, cb] = [compactor(a, "a"), compactor(b, "b")];
    try {
      const old = await a.create("/k", "1");
      await a.update("/k", "2", old.modRevision);
      // Round 1: a wins (version 0 → 1) and has nothing to compact; b learns the version.
      assert.equal(await ca.round(), true);
      assert.equal(await cb.round(), false);
      // Round 2: whoever comes first wins; b, having seen version 1, does, and compacts at what it noted.
      await a.create("/later", "x");
      assert.equal(await cb.round(), true);
      assert.equal(await ca.round(), false);
      assert.deepEqual(compactedBy, ["b"]);
      await assert.rejects(a.list("/", { revision: old.modRevision }), CompactedError);
      await assert.rejects(a.watch("/", old.modRevision, () => {}, new AbortController().signal), CompactedError);
      assert.equal((await a.get("/k"))?.value, "2");
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("etcd store across etcd restarts", { skip: missing }, () => {
  test("etcd store watch carries on across an etcd restart without losing or repeating a change", async () => {
    const etcd = await EtcdCluster.start();
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/r", timeoutMs: 20_000 });
    try {
      const events: StoreEvent[] = [];
      const ac = new AbortController();
      await store.watch("/", 0, (e) => events.push(e), ac.signal);
      const a = await store.create("/a", "1");
      await etcd.stop(0, "SIGKILL");
      await etcd.restart(0);
      // The write waits for etcd to answer again (the client retries UNAVAILABLE) and for the watch to resume.
      const b = await store.update("/a", "2", a.modRevision);
      await until(() => events.length === 2);
      assert.deepEqual(events.map((e) => [e.type, e.kv.modRevision]), [["ADDED", a.modRevision], ["MODIFIED", b.modRevision]]);
      assert.equal(events[1]!.prev?.value, "1");
      assert.equal(await store.revision(), b.modRevision);
      ac.abort();
    } finally {
      await store.close();
      await etcd.close();
    }
  });

  test("etcd store tells its watchers when history they missed while disconnected was compacted", async () => {
    const etcd = await EtcdCluster.start({ members: 3 });
    // This store talks to member 0 only; the writer to the others.
    const store = await EtcdStore.open({ endpoints: [etcd.endpoints[0]!], prefix: "/lost" });
    const writer = await EtcdStore.open({ endpoints: etcd.endpoints.slice(1), prefix: "/lost" });
    try {
      const errors: CompactedError[] = [];
      const seen: string[] = [];
      await store.watch("/", 0, (e) => seen.push(e.kv.key), new AbortController().signal, (err) => errors.push(err));
      await etcd.stop(0, "SIGKILL");
      const a = await writer.create("/a", "1");
      await writer.update("/a", "2", a.modRevision);
      await writer.compact(a.modRevision + 1);
      await etcd.restart(0);
      await until(() => errors.length === 1, 20_000);
      assert.ok(errors[0] instanceof CompactedError);
      assert.deepEqual(seen, [], "nothing delivered out of a broken history");
      // The store goes on from now: new watches see new changes.
      const later: string[] = [];
      await store.watch("/", 0, (e) => later.push(e.kv.key), new AbortController().signal);
      await writer.create("/b", "1");
      await until(() => later.length === 1);
    } finally {
      await store.close();
      await writer.close();
      await etcd.close();
    }
  });
});

describe("etcd store against a 3-member cluster and over TLS", { skip: missing }, () => {
  test("etcd store moves to another endpoint when its member dies, its writes and watch carrying on", async () => {
    const etcd = await EtcdCluster.start({ members: 3 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/failover", timeoutMs: 20_000 });
    try {
      const events: StoreEvent[] = [];
      await store.watch("/", 0, (e) => events.push(e), new AbortController().signal);
      let kv = await store.create("/k", "0");
      // The store starts on the first endpoint: kill it. Writes and the watch go on through the others.
      await etcd.stop(0, "SIGKILL");
      for (let i = 1; i <= 5; i++) kv = await store.update("/k", String(i), kv.modRevision);
      await until(() => events.length === 6, 20_000);
      assert.deepEqual(events.map((e) => e.kv.value), ["0", "1", "2", "3", "4", "5"]);
      assert.equal((await store.get("/k"))?.value, "5");
    } finally {
      await store.close();
      await etcd.close();
    }
  });

  test("etcd store fails a write without quorum with EtcdUnavailableError in its deadline, and writes again once quorum is back", async () => {
    const etcd = await EtcdCluster.start({ members: 3 });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/quorum", timeoutMs: 3_000 });
    try {
      const a = await store.create("/a", "1");
      await etcd.stop(1, "SIGKILL");
      await etcd.stop(2, "SIGKILL");
      const began = Date.now();
      // kube-apiserver's etcd client's words, which it passes on as the 500's message.
      await assert.rejects(store.update("/a", "2", a.modRevision), (err) => err instanceof EtcdUnavailableError && /^(etcdserver: request timed out|context deadline exceeded)$/.test(err.message));
      assert.ok(Date.now() - began < 10_000, `gave up after ${Date.now() - began} ms`);
      await etcd.restart(1);
      // The write that timed out may or may not have landed: the retry's compare tells (never a double apply).
      const current = (await store.get("/a"))!;
      const b = await store.update("/a", "3", current.modRevision);
      assert.equal((await store.get("/a"))?.modRevision, b.modRevision);
    } finally {
      await store.close();
      await etcd.close();
    }
  });

  test("etcd store talks TLS with a client certificate, and etcd refuses a client without one", async () => {
    const etcd = await EtcdCluster.start({ tls: true });
    try {
      const tls = etcd.clientTls();
      const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/tls", ...tls });
      try {
        const a = await store.create("/a", "1");
        assert.equal((await store.get("/a"))?.modRevision, a.modRevision);
      } finally {
        await store.close();
      }
      await assert.rejects(EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/tls", ca: tls.ca, timeoutMs: 2_000 }));
    } finally {
      await etcd.close();
    }
  });
});

describe("etcd store progress notifications", { skip: missing }, () => {
  test("etcd store revision advances with etcd's progress notifications when nothing under its prefix changes", async () => {
    const etcd = await EtcdCluster.start({ progressNotifyInterval: "200ms" });
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: "/quiet" });
    try {
      const before = await store.revision();
      // A write elsewhere in etcd: no event for this store, yet every change up to it has been delivered.
      const put = await store.client.put({ key: new TextEncoder().encode("/elsewhere/k"), value: new TextEncoder().encode("v") });
      const written = Number(put.header!.revision);
      assert.ok(written > before);
      // What a BOOKMARK then carries (the API server's bookmarks read revision()).
      await until(async () => (await store.revision()) >= written);
    } finally {
      await store.close();
      await etcd.close();
    }
  });
});

/**
 * A TCP proxy in front of an etcd member. `cutNextCall()`: from then on the member's answers are dropped,
 * and the connection is cut shortly after the client's next bytes reached the member — as when the member
 * is killed after committing a write but before answering it.
 */
async function cuttingProxy(target: string): Promise<{ url: string; cutNextCall(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let armed = false;
  let dropping = false;
  const server: Server = createServer((client) => {
    const member = connect(Number(port), hostname);
    for (const s of [client, member]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d: Buffer) => {
      member.write(d);
      if (!armed) return;
      armed = false;
      setTimeout(() => {
        client.destroy();
        member.destroy();
        dropping = false;
      }, 300);
    });
    member.on("data", (d: Buffer) => {
      if (!dropping) client.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cutNextCall: () => {
      armed = true;
      dropping = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe("etcd store writes sent again after the connection broke under them", { skip: missing }, () => {
  test("etcd store create and update whose first send was applied before the connection broke succeed (a generated name is not made again)", async () => {
    const etcd = await EtcdCluster.start();
    const proxy = await cuttingProxy(etcd.endpoints[0]!);
    // The proxy first: the store's calls go through it, and move on to the member itself when it fails.
    const store = await EtcdStore.open({ endpoints: [proxy.url, etcd.endpoints[0]!], prefix: "/resend" });
    try {
      await store.create("/warm", "0");
      proxy.cutNextCall();
      const a = await store.create("/a", "1");
      assert.equal((await store.get("/a"))?.modRevision, a.modRevision);
      assert.equal((await store.get("/a"))?.value, "1");
      // The store is on the member itself now: a proxy again in front for the update.
      const again = await cuttingProxy(etcd.endpoints[0]!);
      const store2 = await EtcdStore.open({ endpoints: [again.url, etcd.endpoints[0]!], prefix: "/resend" });
      try {
        again.cutNextCall();
        const b = await store2.update("/a", "2", a.modRevision);
        assert.equal((await store2.get("/a"))?.modRevision, b.modRevision);
        assert.equal((await store2.get("/a"))?.value, "2");
      } finally {
        await store2.close();
        await again.close();
      }
    } finally {
      await store.close();
      await proxy.close();
      await etcd.close();
    }
  });
});
