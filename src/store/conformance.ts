import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Store, type StoreEvent,
} from "./store.js";

/**
 * The one suite every Store backend passes. Call it from the backend's test file with a factory that
 * returns a fresh, empty store; `skip` names cases a backend cannot run, with the reason.
 */
export function storeConformance(backend: string, open: () => Promise<Store>, skip: Record<string, string> = {}): void {
  const it = (name: string, body: (store: Store) => Promise<void>) =>
    test(`${backend} store ${name}`, { skip: skip[name] }, async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  it("create assigns increasing revisions", async (s) => {
    const a = await s.create("/a", "1");
    const b = await s.create("/b", "2");
    assert.equal(b.modRevision, a.modRevision + 1);
    assert.equal(a.createRevision, a.modRevision);
    assert.equal(await s.revision(), b.modRevision);
  });

  it("create fails when the key exists", async (s) => {
    await s.create("/a", "1");
    await assert.rejects(s.create("/a", "2"), KeyExistsError);
  });

  it("create succeeds again after delete", async (s) => {
    await s.create("/a", "1");
    await s.delete("/a");
    const again = await s.create("/a", "2");
    assert.equal((await s.get("/a"))?.value, "2");
    assert.equal(again.createRevision, again.modRevision);
  });

  it("update needs the current revision", async (s) => {
    const a = await s.create("/a", "1");
    const b = await s.update("/a", "2", a.modRevision);
    assert.equal(b.createRevision, a.createRevision);
    await assert.rejects(s.update("/a", "3", a.modRevision), (e) => e instanceof RevisionMismatchError && e.current.value === "2");
    await assert.rejects(s.update("/missing", "3", 1), KeyNotFoundError);
  });

  it("delete honours its precondition", async (s) => {
    const a = await s.create("/a", "1");
    await assert.rejects(s.delete("/a", a.modRevision + 5), RevisionMismatchError);
    const gone = await s.delete("/a", a.modRevision);
    assert.equal(gone.value, "1");
    assert.equal(await s.get("/a"), undefined);
    await assert.rejects(s.delete("/a"), KeyNotFoundError);
  });

  it("list returns keys under the prefix in order", async (s) => {
    for (const k of ["/p/c", "/p/a", "/q/x", "/p/b", "/pp"]) await s.create(k, k);
    const all = await s.list("/p/");
    assert.deepEqual(all.items.map((i) => i.key), ["/p/a", "/p/b", "/p/c"]);
    assert.equal(all.more, false);
    assert.equal(await s.count("/p/"), 3);
  });

  it("list pages at a fixed revision", async (s) => {
    for (const k of ["a", "b", "c", "d", "e"]) await s.create(`/p/${k}`, k);
    const first = await s.list("/p/", { limit: 2, count: true });
    assert.deepEqual(first.items.map((i) => i.value), ["a", "b"]);
    assert.equal(first.more, true);
    assert.equal(first.remaining, 3);
    assert.equal((await s.list("/p/", { limit: 2 })).remaining, 0, "not counted unless asked");
    await s.delete("/p/c");
    await s.create("/p/bb", "bb");
    const second = await s.list("/p/", { limit: 2, after: first.items[1]!.key, revision: first.revision });
    assert.deepEqual(second.items.map((i) => i.value), ["c", "d"]);
    const third = await s.list("/p/", { limit: 2, after: "/p/d", revision: first.revision });
    assert.deepEqual(third.items.map((i) => i.value), ["e"]);
    assert.equal(third.more, false);
  });

  it("list at an old revision sees old values", async (s) => {
    const a = await s.create("/p/a", "1");
    await s.update("/p/a", "2", a.modRevision);
    const old = await s.list("/p/", { revision: a.modRevision });
    assert.equal(old.items[0]!.value, "1");
  });

  it("watch replays from a revision with previous values", async (s) => {
    await s.create("/before", "0");
    const a = await s.create("/w/a", "1");
    await s.update("/w/a", "2", a.modRevision);
    await s.create("/other", "x");
    const events: StoreEvent[] = [];
    const ac = new AbortController();
    await s.watch("/w/", a.modRevision - 1, (e) => events.push(e), ac.signal);
    const cur = await s.get("/w/a");
    await s.delete("/w/a", cur!.modRevision);
    ac.abort();
    await s.create("/w/after-abort", "z");
    assert.deepEqual(events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
    assert.equal(events[1]!.prev?.value, "1");
    assert.equal(events[2]!.prev?.value, "2");
    assert.equal(events[2]!.kv.value, "2");
    assert.ok(events[2]!.kv.modRevision > events[1]!.kv.modRevision);
  });

  it("watch from now sees only new changes", async (s) => {
    await s.create("/w/a", "1");
    const events: StoreEvent[] = [];
    const ac = new AbortController();
    await s.watch("/w/", 0, (e) => events.push(e), ac.signal);
    await s.create("/w/b", "2");
    ac.abort();
    assert.deepEqual(events.map((e) => e.kv.key), ["/w/b"]);
  });

  it("compaction makes old revisions gone", async (s) => {
    const a = await s.create("/c/a", "1");
    const b = await s.update("/c/a", "2", a.modRevision);
    await s.create("/c/b", "3");
    await s.compact(b.modRevision);
    await assert.rejects(s.watch("/c/", a.modRevision, () => {}, new AbortController().signal), CompactedError);
    await assert.rejects(s.list("/c/", { revision: a.modRevision }), CompactedError);
    const now = await s.list("/c/");
    assert.deepEqual(now.items.map((i) => i.value), ["2", "3"]);
  });
}
