import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "./testing.js";

const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } }, ...extra },
});

describe("bad input gets a Status error, never a 500 or a partial write", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  const cases: Array<{ name: string; method: string; path: string; body?: unknown; headers?: Record<string, string>; code: number; reason?: string; message?: RegExp }> = [
    { name: "malformed JSON", method: "POST", path: DEPLOYS, body: "{not json", code: 400, reason: "BadRequest" },
    { name: "empty body", method: "POST", path: DEPLOYS, body: "", code: 400 },
    { name: "a JSON array instead of an object", method: "POST", path: DEPLOYS, body: "[1,2]", code: 400 },
    { name: "wrong kind for the URL", method: "POST", path: DEPLOYS, body: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }, code: 400 },
    { name: "unknown resource", method: "GET", path: "/apis/apps/v1/namespaces/default/frobs", code: 404 },
    { name: "unknown group", method: "GET", path: "/apis/nope/v1/things", code: 404 },
    { name: "missing object", method: "GET", path: `${DEPLOYS}/missing`, code: 404, message: /deployments.apps "missing" not found/ },
    { name: "invalid object", method: "POST", path: DEPLOYS, body: deployment("Bad_Name"), code: 422, reason: "Invalid", message: /The Deployment "Bad_Name" is invalid: metadata.name: Invalid value/ },
    { name: "missing namespace", method: "POST", path: "/apis/apps/v1/namespaces/ghost/deployments", body: deployment("x"), code: 404, message: /namespaces "ghost" not found/ },
    { name: "unsupported patch type", method: "PATCH", path: `${DEPLOYS}/missing`, body: "{}", headers: { "Content-Type": "text/plain" }, code: 415 },
    { name: "bad label selector", method: "GET", path: `${DEPLOYS}?labelSelector=${encodeURIComponent("a in b")}`, code: 400 },
    { name: "unknown field selector", method: "GET", path: `${DEPLOYS}?fieldSelector=spec.foo%3Dbar`, code: 400 },
    { name: "negative limit", method: "GET", path: `${DEPLOYS}?limit=-1`, code: 400 },
    { name: "garbage continue token", method: "GET", path: `${DEPLOYS}?limit=1&continue=xyz`, code: 400 },
    { name: "unsupported propagation policy", method: "DELETE", path: `${DEPLOYS}/x?propagationPolicy=Sideways`, code: 422 },
    { name: "method not allowed on a collection", method: "PUT", path: DEPLOYS, body: {}, code: 405 },
  ];
  for (const c of cases) {
    test(`${c.name} → ${c.code}`, async () => {
      const r = await t.call(c.method, c.path, c.body, c.headers);
      assert.equal(r.status, c.code, JSON.stringify(r.body));
      assert.equal(r.body.kind, "Status");
      assert.equal(r.body.code, c.code);
      if (c.reason) assert.equal(r.body.reason, c.reason);
      if (c.message) assert.match(String(r.body.message), c.message);
    });
  }

  test("422 carries one cause per field error", async () => {
    const r = await t.call("POST", DEPLOYS, deployment("ok", { replicas: -1, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }));
    assert.equal(r.status, 422);
    const causes = (r.body.details as { causes: Array<{ field: string; reason: string }> }).causes;
    assert.deepEqual(causes.map((c) => c.field), ["spec.replicas", "spec.strategy.rollingUpdate.maxUnavailable"]);
    assert.equal(causes[0]!.reason, "FieldValueInvalid");
    assert.equal((await t.call("GET", `${DEPLOYS}/ok`)).status, 404, "nothing written");
  });

  test("a stale resourceVersion is a 409 with upstream's message", async () => {
    const created = await t.call("POST", DEPLOYS, deployment("stale"));
    const meta = created.body.metadata as { resourceVersion: string };
    const fresh = await t.call("PUT", `${DEPLOYS}/stale`, { ...deployment("stale", { replicas: 2 }), metadata: { name: "stale", resourceVersion: meta.resourceVersion } });
    assert.equal(fresh.status, 200);
    const again = await t.call("PUT", `${DEPLOYS}/stale`, { ...deployment("stale", { replicas: 3 }), metadata: { name: "stale", resourceVersion: meta.resourceVersion } });
    assert.equal(again.status, 409);
    assert.equal(again.body.message, 'Operation cannot be fulfilled on deployments.apps "stale": the object has been modified; please apply your changes to the latest version and try again');
    assert.equal(((await t.call("GET", `${DEPLOYS}/stale`)).body.spec as { replicas: number }).replicas, 2);
  });

  test("creating an existing name is a 409 AlreadyExists", async () => {
    await t.call("POST", DEPLOYS, deployment("twice"));
    const r = await t.call("POST", DEPLOYS, deployment("twice"));
    assert.equal(r.status, 409);
    assert.equal(r.body.reason, "AlreadyExists");
    assert.equal(r.body.message, 'deployments.apps "twice" already exists');
  });

  test("a body over 3 MiB is a 413", async () => {
    const huge = deployment("huge");
    (huge.metadata as Record<string, unknown>).annotations = { big: "x".repeat(3 * 1024 * 1024 + 10) };
    const r = await t.call("POST", DEPLOYS, huge);
    assert.equal(r.status, 413);
    assert.equal(r.body.reason, "RequestEntityTooLarge");
  });

  test("absurdly deep documents are refused and the server keeps serving", async () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const r = await t.call("POST", DEPLOYS, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"deep"},"spec":${deep}}`);
    assert.equal(r.status, 400);
    const nested = `{"a":`.repeat(1000) + "1" + "}".repeat(1000);
    assert.equal((await t.call("POST", DEPLOYS, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"deep2"},"spec":${nested}}`)).status, 400);
    assert.equal((await t.call("GET", "/api/v1/namespaces")).status, 200);
  });

  test("a JSON patch whose test fails is a 422 and writes nothing", async () => {
    await t.call("POST", DEPLOYS, deployment("jp"));
    const r = await t.call("PATCH", `${DEPLOYS}/jp`, [{ op: "test", path: "/spec/replicas", value: 99 }, { op: "replace", path: "/spec/replicas", value: 5 }],
      { "Content-Type": "application/json-patch+json" });
    assert.equal(r.status, 422);
    assert.equal(((await t.call("GET", `${DEPLOYS}/jp`)).body.spec as { replicas: number }).replicas, 1);
  });

  test("random garbage never yields a 500", async () => {
    const bodies = ["null", "true", "1", '"s"', "{}", '{"metadata":null}', '{"metadata":[]}', '{"metadata":{"name":5}}', '{"spec":"x","metadata":{"name":"g"}}',
      '{"metadata":{"name":"g","labels":{"a":5}}}', '{"metadata":{"name":"g","labels":"x"}}', '{"metadata":{"name":"g"},"spec":{"template":{"spec":{"containers":"x"}}}}'];
    const paths = [DEPLOYS, "/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/services", "/apis/batch/v1/namespaces/default/cronjobs", "/api/v1/namespaces"];
    for (const path of paths) {
      for (const body of bodies) {
        for (const method of ["POST", "PUT", "PATCH"]) {
          const target = method === "POST" ? path : `${path}/g`;
          const headers: Record<string, string> = method === "PATCH" ? { "Content-Type": "application/merge-patch+json" } : {};
          const r = await t.call(method, target, body, headers);
          assert.ok(r.status < 500, `${method} ${target} ${body} → ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
    }
  });
});

describe("authentication", () => {
  test("requests without the admin token get 401; health and version stay open", async () => {
    const t = await startTestServer({ token: "s3cret" });
    try {
      const denied = await t.call("GET", "/api/v1/namespaces");
      assert.equal(denied.status, 401);
      assert.equal(denied.body.reason, "Unauthorized");
      assert.equal((await t.call("GET", "/api/v1/namespaces", undefined, { Authorization: "Bearer wrong" })).status, 401);
      assert.equal((await t.call("GET", "/api/v1/namespaces", undefined, { Authorization: "Bearer s3cret" })).status, 200);
      assert.equal((await fetch(`${t.base}/readyz`)).status, 200);
      assert.equal((await t.call("GET", "/version")).status, 200);
    } finally {
      await t.close();
    }
  });
});
