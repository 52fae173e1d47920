import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Selector, parseSelector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import { MemoryStore } from "../../store/memory.js";
import { KeyExistsError } from "../../store/store.js";
import { StatusError } from "../../api/errors.js";
import { builtinResources } from "../kinds/index.js";
import { deleteObject } from "./delete.js";
import type { ListQuery } from "./list-options.js";
import { RestStore } from "./rest.js";
import { watchLine, watchResource, type WatchEvent } from "./watch.js";

const resources = builtinResources({ notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300 });
const info = (plural: string) => resources.find((r) => r.plural === plural && r.group !== "events.k8s.io")!;

function setup(plural: string) {
  const store = new MemoryStore();
  let now = Date.parse("2026-01-01T00:00:00Z");
  const clock = { now: () => now };
  return { store, rest: new RestStore(info(plural), store, clock), clock, advance: (ms: number) => (now += ms) };
}

const all = (extra: Partial<ListQuery> = {}): ListQuery => ({ labels: Selector.everything(), fields: [], limit: 0, ...extra });

const rs = (name: string, labels: Record<string, string> = { app: "a" }, replicas = 1): KubeObject => ({
  apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, labels },
  spec: { replicas, selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
});

const pod = (name: string, nodeName?: string): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "nginx" }] },
});

describe("RestStore", () => {
  test("create sets uid, creationTimestamp, generation 1 and a generateName suffix from Kubernetes' alphabet", async () => {
    const { rest } = setup("replicasets");
    const created = await rest.create("default", { ...rs(""), metadata: { generateName: "web-", labels: { app: "a" } } });
    assert.match(created.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata.creationTimestamp, "2026-01-01T00:00:00Z");
    assert.equal(created.metadata.generation, 1);
    assert.deepEqual(created.status, {});
  });

  test("create: a generated name that is taken is generated again; a chosen name that is taken is a 409", async () => {
    const { rest, store } = setup("replicasets");
    const create = store.create.bind(store);
    let collisions = 2;
    store.create = async (key, value) => {
      if (collisions-- > 0) throw new KeyExistsError(key);
      return create(key, value);
    };
    const created = await rest.create("default", { ...rs(""), metadata: { generateName: "web-", labels: { app: "a" } } });
    assert.match(created.metadata.name!, /^web-\w{5}$/);
    collisions = 1;
    await assert.rejects(rest.create("default", rs("fixed")), (e: StatusError) => e.code === 409 && e.reason === "AlreadyExists");
  });

  test("generation moves with spec changes only", async () => {
    const { rest } = setup("replicasets");
    await rest.create("default", rs("g"));
    const labelled = await rest.guaranteedUpdate("default", "g", {}, (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: "a", x: "y" } } }));
    assert.equal(labelled.metadata.generation, 1);
    const scaled = await rest.guaranteedUpdate("default", "g", {}, (o) => ({ ...o, spec: { ...(o.spec as object), replicas: 3 } }));
    assert.equal(scaled.metadata.generation, 2);
  });

  test("the main resource keeps status and the status subresource keeps spec", async () => {
    const { rest } = setup("replicasets");
    await rest.create("default", rs("s"));
    const viaMain = await rest.guaranteedUpdate("default", "s", {}, (o) => ({ ...o, status: { replicas: 9 } }));
    assert.deepEqual(viaMain.status, {});
    const viaStatus = await rest.guaranteedUpdate("default", "s", { subresource: "status" }, (o) => ({ ...o, spec: { ...(o.spec as object), replicas: 7 }, status: { replicas: 1 } }));
    assert.deepEqual(viaStatus.status, { replicas: 1 });
    assert.equal((viaStatus.spec as { replicas: number }).replicas, 1);
    assert.equal(viaStatus.metadata.generation, 1);
  });

  test("dry-run writes nothing", async () => {
    const { rest, store } = setup("replicasets");
    const r = await rest.create("default", rs("dry"), { dryRun: true });
    assert.equal(r.metadata.name, "dry");
    assert.equal(await store.count("/"), 0);
  });

  test("an unscheduled pod goes at once; a scheduled one waits for its grace period", async () => {
    const { rest, clock } = setup("pods");
    await rest.create("default", pod("unscheduled"));
    await deleteObject(rest, "default", "unscheduled", {}, clock);
    await assert.rejects(rest.get("default", "unscheduled"), (e: { code?: number }) => e.code === 404);

    await rest.create("default", pod("running", "node-1"));
    const marked = await deleteObject(rest, "default", "running", {}, clock);
    assert.equal(marked.metadata.deletionTimestamp, "2026-01-01T00:00:30Z");
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
    assert.ok(await rest.get("default", "running"));
    await deleteObject(rest, "default", "running", { gracePeriodSeconds: 0 }, clock);
    await assert.rejects(rest.get("default", "running"), (e: { code?: number }) => e.code === 404);
  });

  test("finalizers hold a deleted object until the last one is removed", async () => {
    const { rest, clock } = setup("replicasets");
    await rest.create("default", { ...rs("f"), metadata: { name: "f", labels: { app: "a" }, finalizers: ["example.com/hold"] } });
    await deleteObject(rest, "default", "f", {}, clock);
    const held = await rest.get("default", "f");
    assert.ok(held.metadata.deletionTimestamp);
    await assert.rejects(rest.guaranteedUpdate("default", "f", {}, (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ["example.com/hold", "new"] } })),
      (e: { code?: number }) => e.code === 422);
    await rest.guaranteedUpdate("default", "f", {}, (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
    await assert.rejects(rest.get("default", "f"), (e: { code?: number }) => e.code === 404);
  });

  const policies: Array<[string, string | undefined]> = [["Orphan", "orphan"], ["Foreground", "foregroundDeletion"], ["Background", undefined]];
  for (const [policy, finalizer] of policies) {
    test(`delete with propagationPolicy ${policy} ${finalizer ? `records the ${finalizer} finalizer` : "removes at once"}`, async () => {
      const { rest, clock } = setup("replicasets");
      await rest.create("default", rs("p"));
      await deleteObject(rest, "default", "p", { propagationPolicy: policy }, clock);
      if (finalizer) assert.deepEqual((await rest.get("default", "p")).metadata.finalizers, [finalizer]);
      else await assert.rejects(rest.get("default", "p"));
    });
  }

  test("delete preconditions are 409s", async () => {
    const { rest, clock } = setup("replicasets");
    await rest.create("default", rs("pre"));
    await assert.rejects(deleteObject(rest, "default", "pre", { preconditions: { uid: "other" } }, clock), /Precondition failed: UID in precondition: other/);
  });

  test("list pages through selector matches with continue tokens at one revision", async () => {
    const { rest } = setup("replicasets");
    for (let i = 0; i < 10; i++) await rest.create("default", rs(`r${i}`, { app: "a", parity: i % 2 ? "odd" : "even" }));
    const q = all({ labels: parseSelector("parity=odd"), limit: 2 });
    const first = await rest.list("default", q);
    assert.deepEqual(first.items.map((o) => o.metadata.name), ["r1", "r3"]);
    assert.ok(first.metadata.continue);
    await rest.create("default", rs("r2b", { app: "a", parity: "odd" }));
    const names: string[] = [];
    let token: string | undefined = first.metadata.continue;
    while (token) {
      const page = await rest.list("default", { ...q, continueToken: token });
      names.push(...page.items.map((o) => o.metadata.name!));
      assert.equal(page.metadata.resourceVersion, first.metadata.resourceVersion);
      token = page.metadata.continue;
    }
    assert.deepEqual(names, ["r5", "r7", "r9"]);
    const unfiltered = await rest.list("default", all({ limit: 4 }));
    assert.equal(unfiltered.metadata.remainingItemCount, 7);
    // The continuation reports what is left of the list at its revision, whatever was written since.
    await rest.create("default", rs("zz", { app: "a" }));
    const second = await rest.list("default", all({ limit: 4, continueToken: unfiltered.metadata.continue }));
    assert.equal(second.metadata.remainingItemCount, 3);
    const last = await rest.list("default", all({ limit: 4, continueToken: second.metadata.continue }));
    assert.deepEqual([last.items.length, last.metadata.continue, last.metadata.remainingItemCount], [3, undefined, undefined]);
  });

  test("list: a continue token compacted away is 410 with a token that goes on, inconsistently, at the newest revision", async () => {
    const { rest, store, clock } = setup("replicasets");
    for (let i = 0; i < 6; i++) await rest.create("default", rs(`r${i}`));
    const first = await rest.list("default", all({ limit: 2 }));
    await deleteObject(rest, "default", "r3", {}, clock);
    await rest.create("default", rs("r9"));
    await store.compact(await store.revision());
    const expired = await rest.list("default", all({ limit: 2, continueToken: first.metadata.continue })).then(() => undefined, (err: unknown) => err);
    assert.ok(expired instanceof StatusError);
    const status = expired.toStatus();
    assert.deepEqual([status.code, status.reason], [410, "Expired"]);
    const token = status.metadata?.continue;
    assert.ok(token, "the Status carries a continue token");
    const names: string[] = [];
    let next: string | undefined = token;
    let revision: string | undefined;
    while (next) {
      const page = await rest.list("default", all({ limit: 2, continueToken: next }));
      names.push(...page.items.map((o) => o.metadata.name!));
      revision ??= page.metadata.resourceVersion;
      next = page.metadata.continue;
    }
    assert.deepEqual(names, ["r2", "r4", "r5", "r9"], "the rest, as it is now: r3's deletion and r9 show");
    assert.notEqual(revision, first.metadata.resourceVersion);
  });

  test("list: continue tokens with a revision that isn't one are 400", async () => {
    const { rest } = setup("replicasets");
    const token = (rv: number) => Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: "x" })).toString("base64url");
    for (const rv of [0, -2, 1.5]) {
      await assert.rejects(rest.list("default", all({ limit: 2, continueToken: token(rv) })), (err: StatusError) => err.code === 400);
    }
  });

  test("watch turns selector transitions into ADDED and DELETED", async () => {
    const { rest } = setup("replicasets");
    await rest.create("default", rs("w", { app: "a", tier: "web" }));
    const events: WatchEvent[] = [];
    const ac = new AbortController();
    await watchResource(rest, "default", all({ labels: parseSelector("tier=web") }), (e) => events.push(e), ac.signal);
    await rest.guaranteedUpdate("default", "w", {}, (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: "a", tier: "db" } } }));
    await rest.guaranteedUpdate("default", "w", {}, (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: "a", tier: "web" } } }));
    await rest.guaranteedUpdate("default", "w", {}, (o) => ({ ...o, spec: { ...(o.spec as object), replicas: 2 } }));
    ac.abort();
    assert.deepEqual(events.map((e) => e.type), ["ADDED", "DELETED", "ADDED", "MODIFIED"]);
  });

  test("watchLine of a live change is the event's JSON, from the stored value, for every watcher alike", async () => {
    const { rest } = setup("replicasets");
    await rest.create("default", rs("l1", { app: "a" }));
    const plain: WatchEvent[] = [];
    const selected: WatchEvent[] = [];
    const ac = new AbortController();
    await watchResource(rest, "default", all({ resourceVersion: String(await rest.store.revision()) }), (e) => plain.push(e), ac.signal);
    await watchResource(rest, "default", all({ resourceVersion: String(await rest.store.revision()), labels: parseSelector("app=a") }), (e) => selected.push(e), ac.signal);
    await rest.guaranteedUpdate("default", "l1", {}, (o) => ({ ...o, metadata: { ...o.metadata, annotations: { x: "1" } } }));
    ac.abort();
    assert.deepEqual([plain.map((e) => e.type), selected.map((e) => e.type)], [["MODIFIED"], ["MODIFIED"]]);
    const line = watchLine(plain[0]!);
    assert.equal(line, JSON.stringify({ type: "MODIFIED", object: plain[0]!.object }) + "\n");
    assert.equal((JSON.parse(line) as { object: KubeObject }).object.metadata.annotations?.x, "1");
    assert.equal(watchLine(selected[0]!), line, "a selecting watcher sends the same line");
  });

  test("a watch from a compacted revision gets a 410 ERROR event", async () => {
    const { rest, store } = setup("replicasets");
    const a = await rest.create("default", rs("c1"));
    await rest.create("default", rs("c2"));
    await rest.create("default", rs("c3"));
    await store.compact(await store.revision());
    const events: WatchEvent[] = [];
    await watchResource(rest, "default", all({ resourceVersion: a.metadata.resourceVersion }), (e) => events.push(e), new AbortController().signal);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, "ERROR");
    assert.equal((events[0]!.object as { code: number }).code, 410);
    assert.match((events[0]!.object as { message: string }).message, /too old resource version/);
  });
});
