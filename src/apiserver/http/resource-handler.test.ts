import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import protobuf from "protobufjs/minimal.js";
import { decodeKubernetesProtobuf } from "../../api/protobuf/decode.js";
import { startTestServer } from "../testing.js";

const CMS = "/api/v1/namespaces/default/configmaps";
const PODS = "/api/v1/namespaces/default/pods";
const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { set: "wire" } }, data: { a: "b" } });

interface Event { type: string; object: { metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } } }

/** Reads a watch stream's events until `done` says enough (then closes it). */
async function watchUntil(base: string, path: string, done: (events: Event[]) => boolean): Promise<Event[]> {
  const abort = new AbortController();
  // A bound, not a wait: a stream that never brings what the test needs fails it instead of hanging.
  const bound = setTimeout(() => abort.abort(new Error(`the watch ${path} did not bring the expected events`)), 15_000);
  const res = await fetch(base + path, { signal: abort.signal });
  assert.equal(res.status, 200, await (res.status === 200 ? "" : res.text()));
  const events: Event[] = [];
  let buffered = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body!) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        events.push(JSON.parse(buffered.slice(0, nl)) as Event);
        buffered = buffered.slice(nl + 1);
      }
      if (done(events)) break;
    }
  } finally {
    clearTimeout(bound);
    abort.abort();
  }
  assert.ok(done(events), `the watch ended early: ${JSON.stringify(events.map((e) => e.type))}`);
  return events;
}

/** A DeleteOptions as client-go's typed clients send it: the `k8s\0` envelope, a runtime.Unknown, the message. */
function protobufDeleteOptions(apiVersion: string, opts: { gracePeriodSeconds?: number; propagationPolicy?: string; uid?: string; dryRun?: string[] }): Uint8Array<ArrayBuffer> {
  const w = protobuf.Writer.create();
  if (opts.gracePeriodSeconds !== undefined) w.uint32((1 << 3) | 0).int64(opts.gracePeriodSeconds);
  if (opts.uid !== undefined) w.uint32((2 << 3) | 2).bytes(protobuf.Writer.create().uint32((1 << 3) | 2).string(opts.uid).finish());
  if (opts.propagationPolicy !== undefined) w.uint32((4 << 3) | 2).string(opts.propagationPolicy);
  for (const d of opts.dryRun ?? []) w.uint32((5 << 3) | 2).string(d);
  const typeMeta = protobuf.Writer.create().uint32((1 << 3) | 2).string(apiVersion).uint32((2 << 3) | 2).string("DeleteOptions").finish();
  // gogo-protobuf writes runtime.Unknown's contentEncoding (3) and contentType (4) even when empty.
  const unknown = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(typeMeta).uint32((2 << 3) | 2).bytes(w.finish())
    .uint32((3 << 3) | 2).string("").uint32((4 << 3) | 2).string("").finish();
  return new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

describe("handleResource on the wire", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  test("watch=True (Python's spelling) is a watch that sees changes, not a list", async () => {
    await t.call("POST", CMS, configMap("py-1"));
    const seen = watchUntil(t.base, `${CMS}?watch=True&labelSelector=set%3Dwire`, (events) => events.some((e) => e.object.metadata.name === "py-2"));
    const created = await t.call("POST", CMS, configMap("py-2"));
    assert.equal(created.status, 201);
    const events = await seen;
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`).filter((e) => e.includes("py-")), ["ADDED py-1", "ADDED py-2"]);
  });

  test("watch-list ends its initial events with a BOOKMARK annotated k8s.io/initial-events-end at the list's resourceVersion", async () => {
    await t.call("POST", CMS, configMap("wl-1"));
    await t.call("POST", CMS, configMap("wl-2"));
    const list = await t.call("GET", `${CMS}?labelSelector=set%3Dwire`);
    const names = (list.body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
    const events = await watchUntil(t.base, `${CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=set%3Dwire`,
      (es) => es.some((e) => e.type === "BOOKMARK"));
    const bookmark = events.at(-1)!;
    assert.deepEqual(events.slice(0, -1).map((e) => `${e.type} ${e.object.metadata.name}`), names.map((n) => `ADDED ${n}`));
    assert.equal(bookmark.type, "BOOKMARK");
    assert.deepEqual(bookmark.object.metadata.annotations, { "k8s.io/initial-events-end": "true" });
    assert.ok(Number(bookmark.object.metadata.resourceVersion) >= Number((list.body.metadata as { resourceVersion: string }).resourceVersion));
  });

  test("watch with sendInitialEvents=false from a revision sends only what follows it", async () => {
    const list = await t.call("GET", `${CMS}?labelSelector=set%3Dwire`);
    const rv = (list.body.metadata as { resourceVersion: string }).resourceVersion;
    const seen = watchUntil(t.base, `${CMS}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion=${rv}&labelSelector=set%3Dwire`, (es) => es.length > 0);
    await t.call("POST", CMS, configMap("after-rv"));
    assert.deepEqual((await seen).map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED after-rv"]);
  });

  const invalid: Array<{ name: string; query: string; message: string }> = [
    { name: "sendInitialEvents without resourceVersionMatch", query: "watch=true&sendInitialEvents=true", message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' },
    { name: "resourceVersionMatch on a watch without sendInitialEvents", query: "watch=true&resourceVersionMatch=NotOlderThan", message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' },
    { name: "sendInitialEvents on a list", query: "sendInitialEvents=true", message: 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list' },
    { name: "resourceVersionMatch on a list without resourceVersion", query: "resourceVersionMatch=Exact", message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided' },
  ];
  for (const c of invalid) {
    test(`parseListQuery refuses ${c.name} with a 422 as upstream`, async () => {
      // Bounded: a server that took the watch would stream forever.
      const r = await fetch(`${t.base}${CMS}?${c.query}`, { signal: AbortSignal.timeout(15_000) });
      assert.equal(r.status, 422);
      assert.equal(((await r.json()) as { message: string }).message, c.message);
    });
  }

  test("DELETE with a protobuf DeleteOptions body (client-go typed clients, Helm uninstall) deletes", async () => {
    const created = await t.call("POST", CMS, configMap("pb-del"));
    const uid = (created.body.metadata as { uid: string }).uid;
    const headers = { "Content-Type": "application/vnd.kubernetes.protobuf" };
    const wrongUid = await fetch(`${t.base}${CMS}/pb-del`, { method: "DELETE", headers, body: protobufDeleteOptions("v1", { uid: "not-it" }) });
    assert.equal(wrongUid.status, 409, "the precondition in the protobuf body is honoured");
    const dry = await fetch(`${t.base}${CMS}/pb-del`, { method: "DELETE", headers, body: new Blob([protobufDeleteOptions("v1", { dryRun: ["All"] })]) });
    assert.equal(dry.status, 200, await dry.text());
    assert.equal((await t.call("GET", `${CMS}/pb-del`)).status, 200, "dryRun deletes nothing");
    const res = await fetch(`${t.base}${CMS}/pb-del`, { method: "DELETE", headers, body: protobufDeleteOptions("v1", { uid, propagationPolicy: "Background", gracePeriodSeconds: 0 }) });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await t.call("GET", `${CMS}/pb-del`)).status, 404);
  });

  test("DELETE of a collection with a protobuf DeleteOptions body (as the apps clientset encodes it) deletes the selected objects", async () => {
    for (const name of ["pb-c1", "pb-c2"]) await t.call("POST", CMS, { ...configMap(name), metadata: { name, labels: { set: "pbc" } } });
    const res = await fetch(`${t.base}${CMS}?labelSelector=set%3Dpbc`, {
      method: "DELETE", headers: { "Content-Type": "application/vnd.kubernetes.protobuf" }, body: protobufDeleteOptions("apps/v1", { propagationPolicy: "Background" }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual((await t.call("GET", `${CMS}?labelSelector=set%3Dpbc`)).body.items, []);
  });

  test("an object is answered as protobuf when the Accept header puts protobuf first (client-go typed clients), managedFields included", async () => {
    const accept = "application/vnd.kubernetes.protobuf,application/json";
    const created = await fetch(`${t.base}${CMS}`, { method: "POST", headers: { "Content-Type": "application/json", Accept: accept }, body: JSON.stringify(configMap("pb-answer")) });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("content-type"), "application/vnd.kubernetes.protobuf");
    const fromProtobuf = decodeKubernetesProtobuf(new Uint8Array(await created.arrayBuffer()));
    const asJson = (await t.call("GET", `${CMS}/pb-answer`)).body;
    assert.deepEqual(fromProtobuf, asJson);
    const managed = (asJson.metadata as { managedFields?: unknown[] }).managedFields;
    assert.ok(managed && managed.length > 0, "the write recorded its manager");
    const got = await fetch(`${t.base}${CMS}/pb-answer`, { headers: { Accept: accept } });
    assert.deepEqual(decodeKubernetesProtobuf(new Uint8Array(await got.arrayBuffer())), asJson);
    // JSON first, or a kind without a message here (Endpoints): JSON, which the client also accepts.
    assert.equal((await fetch(`${t.base}${CMS}/pb-answer`, { headers: { Accept: "application/json,application/vnd.kubernetes.protobuf" } })).headers.get("content-type"), "application/json");
    const ep = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "pb-ep" } };
    const epRes = await fetch(`${t.base}/api/v1/namespaces/default/endpoints`, { method: "POST", headers: { "Content-Type": "application/json", Accept: accept }, body: JSON.stringify(ep) });
    assert.equal(epRes.status, 201);
    assert.equal(epRes.headers.get("content-type"), "application/json");
  });

  test("an unknown field named outside Latin-1 is written once, answered 201, and warned about in UTF-8", async () => {
    const names = ["ünknown", "日本語", "emoji😀", 'quo"te\\back'];
    const body = JSON.stringify({ ...configMap("warn-utf8"), ...Object.fromEntries(names.map((n) => [n, 1])) });
    const res = await new Promise<{ status: number; warnings: string[] }>((resolve, reject) => {
      const req = httpRequest(`${t.base}${CMS}`, { method: "POST", headers: { "Content-Type": "application/json" } }, (r) => {
        r.resume();
        // Node hands header bytes over as Latin-1 characters: back to the UTF-8 text the server sent.
        const raw = r.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1]!.toLowerCase() === "warning");
        r.on("end", () => resolve({ status: r.statusCode!, warnings: raw.map((v) => Buffer.from(v, "latin1").toString("utf8")) }));
      });
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(res.status, 201);
    const text = res.warnings.join("\n");
    for (const n of ["ünknown", "日本語", "emoji😀"]) assert.ok(text.includes(`unknown field \\"${n}\\"`), text);
    assert.ok(text.includes('unknown field \\"quo\\"te\\\\back\\"'), text);
    assert.ok(res.warnings.every((w) => w.startsWith('299 - "')), text);
    assert.equal((await t.call("POST", CMS, configMap("warn-utf8"))).status, 409, "the object was written exactly once");
  });

  for (const sub of ["exec", "attach", "portforward"]) {
    test(`pods/${sub} without an upgrade is a 400 on an existing pod, a 404 on a missing one`, async () => {
      const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: `p-${sub}` }, spec: { containers: [{ name: "c", image: "busybox" }] } };
      assert.equal((await t.call("POST", PODS, pod)).status, 201);
      const exists = await t.call("POST", `${PODS}/p-${sub}/${sub}?command=true`);
      assert.equal(exists.status, 400);
      assert.equal(exists.body.message, "Upgrade request required");
      const missing = await t.call("GET", `${PODS}/ghost/${sub}`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.message, 'pods "ghost" not found');
    });
  }

  test("pods/exec upgrade requests are checked as upstream: a container the pod lacks, then a pod with no node, are 400s", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p-upgrade" }, spec: { containers: [{ name: "c", image: "busybox" }] } };
    assert.equal((await t.call("POST", PODS, pod)).status, 201);
    const upgrade = (query: string) => new Promise<{ status: number; message: string }>((resolve, reject) => {
      const req = httpRequest(`${t.base}${PODS}/p-upgrade/exec?command=true&stdout=true&${query}`, {
        method: "POST", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io" },
      });
      req.on("upgrade", () => reject(new Error("upgraded")));
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode!, message: (JSON.parse(body) as { message: string }).message }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.deepEqual(await upgrade("container=nope"), { status: 400, message: "container nope is not valid for pod p-upgrade" });
    assert.deepEqual(await upgrade("container=c"), { status: 400, message: "pod p-upgrade does not have a host assigned" });
  });

  test("pods/proxy of a missing pod is a 404; of a pod without an IP a 503 naming the pod, not the id", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p-proxy" }, spec: { containers: [{ name: "c", image: "busybox" }] } };
    assert.equal((await t.call("POST", PODS, pod)).status, 201);
    const missing = await t.call("GET", `${PODS}/ghost/proxy/`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'pods "ghost" not found');
    const r = await t.call("GET", `${PODS}/p-proxy:8080/proxy/healthz`);
    assert.equal(r.status, 503);
    assert.equal(r.body.message, 'pod "p-proxy" has no IP address yet');
  });
});
