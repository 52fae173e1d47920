import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "./testing.js";

type Json = Record<string, unknown>;
const finalizers = (body: Json) => (body.spec as { finalizers?: string[] } | undefined)?.finalizers;

async function eventually(what: string, probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("namespaces/finalize", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test("PUT namespaces/x/finalize sets spec.finalizers; a plain update keeps them; GET and PATCH there are 405", async () => {
    await t.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-a" } });
    const put = await t.call("PUT", "/api/v1/namespaces/fin-a/finalize", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-a" }, spec: { finalizers: ["kubernetes", "example.com/hold"] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(finalizers(put.body), ["kubernetes", "example.com/hold"]);
    assert.deepEqual((put.body.status as Json).phase, "Active", "the status is the stored one");

    const plain = await t.call("PUT", "/api/v1/namespaces/fin-a", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-a", labels: { a: "b" } }, spec: { finalizers: [] } });
    assert.equal(plain.status, 200);
    assert.deepEqual(finalizers(plain.body), ["kubernetes", "example.com/hold"], "spec.finalizers change only through finalize");

    assert.equal((await t.call("GET", "/api/v1/namespaces/fin-a/finalize")).status, 405);
    assert.equal((await t.call("PATCH", "/api/v1/namespaces/fin-a/finalize", { spec: {} }, { "Content-Type": "application/merge-patch+json" })).status, 405);
    const bad = await t.call("PUT", "/api/v1/namespaces/fin-a/finalize", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-a" }, spec: { finalizers: ["not a name"] } });
    assert.equal(bad.status, 422);
  });

  test("a deleted namespace drops only the kubernetes finalizer; it goes when finalize removes the last", async () => {
    await t.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-b" } });
    await t.call("PUT", "/api/v1/namespaces/fin-b/finalize", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-b" }, spec: { finalizers: ["kubernetes", "example.com/hold"] } });
    assert.equal((await t.call("DELETE", "/api/v1/namespaces/fin-b")).status, 200);
    await eventually("the kubernetes finalizer to go", async () => JSON.stringify(finalizers((await t.call("GET", "/api/v1/namespaces/fin-b")).body)) === JSON.stringify(["example.com/hold"]));
    assert.equal(((await t.call("GET", "/api/v1/namespaces/fin-b")).body.status as Json).phase, "Terminating");
    const last = await t.call("PUT", "/api/v1/namespaces/fin-b/finalize", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fin-b" }, spec: { finalizers: [] } });
    assert.equal(last.status, 200);
    await eventually("the namespace to go", async () => (await t.call("GET", "/api/v1/namespaces/fin-b")).status === 404);
  });
});
