import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";

type Json = Record<string, unknown>;
const SECRETS = "/api/v1/namespaces/default/secrets";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const secret = (name: string, extra: Json) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, ...extra });

describe("secret strategy", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  test("secretStrategy merges stringData into data (base64, stringData winning), drops it and defaults type to Opaque", async () => {
    const r = await t.call("POST", SECRETS, secret("s1", { data: { a: b64("from data"), b: b64("old") }, stringData: { b: "new", c: "plain ✓" } }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const stored = (await t.call("GET", `${SECRETS}/s1`)).body;
    assert.deepEqual(stored.data, { a: b64("from data"), b: b64("new"), c: b64("plain ✓") });
    assert.equal(stored.stringData, undefined);
    assert.equal(stored.type, "Opaque");
  });

  test("secretStrategy merges stringData sent by a patch or a PUT", async () => {
    await t.call("POST", SECRETS, secret("s2", { stringData: { a: "1" } }));
    const patched = await t.call("PATCH", `${SECRETS}/s2`, { stringData: { b: "2" } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.data, { a: b64("1"), b: b64("2") });
    const put = await t.call("PUT", `${SECRETS}/s2`, { ...patched.body, stringData: { a: "3" } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const stored = (await t.call("GET", `${SECRETS}/s2`)).body;
    assert.deepEqual(stored.data, { a: b64("3"), b: b64("2") });
    assert.equal(stored.stringData, undefined);
  });

  const refused: Array<{ name: string; body: Json; code: number; fields?: string[]; message?: string }> = [
    { name: "dockerconfigjson without .dockerconfigjson", body: { type: "kubernetes.io/dockerconfigjson", stringData: { other: "x" } }, code: 422, fields: ["data[.dockerconfigjson]"] },
    { name: "dockerconfigjson that is no JSON", body: { type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": "{nope" } }, code: 422, fields: ["data[.dockerconfigjson]"] },
    { name: "service-account-token without its annotation", body: { type: "kubernetes.io/service-account-token" }, code: 422, fields: ["metadata.annotations[kubernetes.io/service-account.name]"] },
    { name: "tls without tls.crt and tls.key", body: { type: "kubernetes.io/tls", stringData: { "tls.crt": "c" } }, code: 422, fields: ["data[tls.key]"] },
    { name: "basic-auth without username or password", body: { type: "kubernetes.io/basic-auth" }, code: 422, fields: ["data[username]", "data[password]"] },
    { name: "ssh-auth without ssh-privatekey", body: { type: "kubernetes.io/ssh-auth" }, code: 422, fields: ["data[ssh-privatekey]"] },
    { name: "a bad data key", body: { stringData: { "bad/key": "x" } }, code: 422, fields: ["data[bad/key]"] },
    { name: "data that is no base64", body: { data: { k: "not base64!" } }, code: 400, message: "illegal base64 data at input byte 3" },
  ];
  for (const [i, c] of refused.entries()) {
    test(`validateSecret refuses ${c.name} with ${c.code}`, async () => {
      const name = `bad${i}`;
      const r = await t.call("POST", SECRETS, secret(name, c.body));
      assert.equal(r.status, c.code, JSON.stringify(r.body));
      if (c.fields) assert.deepEqual((r.body.details as { causes: Array<{ field: string }> }).causes.map((x) => x.field), c.fields);
      if (c.message) assert.match(String(r.body.message), new RegExp(c.message));
      assert.equal((await t.call("GET", `${SECRETS}/${name}`)).status, 404);
    });
  }

  test("validateSecret accepts well-formed typed secrets", async () => {
    const ok = [
      secret("tls", { type: "kubernetes.io/tls", stringData: { "tls.crt": "c", "tls.key": "k" } }),
      secret("dcj", { type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": '{"auths":{}}' } }),
      { ...secret("sat", { type: "kubernetes.io/service-account-token" }), metadata: { name: "sat", annotations: { "kubernetes.io/service-account.name": "default" } } },
    ];
    for (const body of ok) assert.equal((await t.call("POST", SECRETS, body)).status, 201, body.metadata.name);
  });

  test("validateSecretUpdate: type is immutable; an immutable secret keeps its data", async () => {
    await t.call("POST", SECRETS, secret("typed", { stringData: { a: "1" } }));
    const retype = await t.call("PATCH", `${SECRETS}/typed`, { type: "kubernetes.io/basic-auth", stringData: { username: "u" } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(retype.status, 422, JSON.stringify(retype.body));
    assert.match(String(retype.body.message), /type: Invalid value: "kubernetes.io\/basic-auth": field is immutable/);
    await t.call("POST", SECRETS, secret("frozen", { stringData: { a: "1" }, immutable: true }));
    const change = await t.call("PATCH", `${SECRETS}/frozen`, { stringData: { a: "2" } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(change.status, 422, JSON.stringify(change.body));
    assert.match(String(change.body.message), /data: Forbidden: field is immutable when `immutable` is set/);
  });
});
