import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "./sqlite.js";
import { storeConformance } from "./conformance.js";

const dir = mkdtempSync(join(tmpdir(), "tug-sqlite-"));
let n = 0;
storeConformance("sqlite", async () => new SqliteStore(join(dir, `db-${n++}.sqlite`)));

test("sqlite store keeps data and revisions across a reopen", async () => {
  const path = join(dir, "reopen.sqlite");
  const first = new SqliteStore(path);
  const a = await first.create("/k", "v1");
  await first.update("/k", "v2", a.modRevision);
  await first.close();
  const second = new SqliteStore(path);
  assert.equal((await second.get("/k"))?.value, "v2");
  assert.equal(await second.revision(), a.modRevision + 1);
  const b = await second.create("/k2", "x");
  assert.equal(b.modRevision, a.modRevision + 2);
  await second.close();
});



test("sqlite store never reuses a revision after compaction removed the newest rows", async () => {
  const path = join(dir, "reuse.sqlite");
  const first = new SqliteStore(path);
  await first.create("/a", "1");
  const gone = await first.delete("/a");
  await first.compact(gone.modRevision);
  await first.close();
  const second = new SqliteStore(path);
  const next = await second.create("/b", "2");
  assert.equal(next.modRevision, gone.modRevision + 1);
  await second.close();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("sqlite store reads and checks keys the same whether it still remembers them or not", async () => {
  const store = new SqliteStore(join(dir, "recent.sqlite"));
  const first = await store.create("/k/0", "v0");
  for (let i = 1; i <= 5000; i++) await store.create(`/k/${i}`, `v${i}`);
  // /k/0 has long left the store's memory of recent keys, /k/5000 has not.
  for (const [key, kv] of [["/k/0", first], ["/k/5000", await store.get("/k/5000")]] as const) {
    await assert.rejects(store.update(key, "stale", kv!.modRevision - 1), /revision/i);
    await assert.rejects(store.create(key, "again"), /exists/i);
    const next = await store.update(key, `${kv!.value}+`, kv!.modRevision);
    assert.deepEqual(await store.get(key), next);
    await store.delete(key, next.modRevision);
    assert.equal(await store.get(key), undefined);
  }
  await store.close();
});

test("sqlite store commits a prompt key's write when its task ends, the others at the end of the turn", async () => {
  const store = new SqliteStore(join(dir, "lanes.sqlite"), { prompt: (key) => key.startsWith("/prompt/") });
  const seen: string[] = [];
  const watching = new AbortController();
  await store.watch("/", 0, (e) => seen.push(`${e.kv.key}@${e.kv.modRevision}`), watching.signal);
  const order: string[] = [];
  setImmediate(() => order.push("turn ended"));
  const bulk = store.create("/bulk/a", "1").then((kv) => (order.push("bulk"), kv));
  const prompt = store.create("/prompt/a", "1").then((kv) => (order.push("prompt"), kv));
  const [b, p] = await Promise.all([bulk, prompt]);
  assert.deepEqual(order, ["prompt", "turn ended", "bulk"]);
  // Revisions follow the commits, and watchers see them in that order.
  assert.equal(b.modRevision, p.modRevision + 1);
  assert.deepEqual(seen, [`/prompt/a@${p.modRevision}`, `/bulk/a@${b.modRevision}`]);
  // Writes to prompt keys made in one task share a commit.
  const [x, y] = await Promise.all([store.create("/prompt/x", "1"), store.create("/prompt/y", "1")]);
  assert.equal(y.modRevision, x.modRevision + 1);
  watching.abort();
  await store.close();
});
