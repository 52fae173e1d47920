import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";

type Json = Record<string, unknown>;
const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
const MERGE = { "Content-Type": "application/merge-patch+json" };
const cm = (name: string, extra: Json) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, ...extra });
const causes = (body: Json) => (body.details as { causes: Array<{ field: string; message: string }> }).causes;

describe("configmap strategy", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  const refused: Array<{ name: string; body: Json; code: number; fields?: string[]; message: RegExp }> = [
    { name: "an empty data key", body: { data: { "": "v" } }, code: 422, fields: ["data[]"], message: /data\[\]: Invalid value: "": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/ },
    { name: "a bad binaryData key", body: { binaryData: { "a/b": "AAA=" } }, code: 422, fields: ["binaryData[a/b]"], message: /binaryData\[a\/b\]: Invalid value: "a\/b": a valid config key/ },
    { name: "a key starting with ..", body: { data: { "..x": "v" } }, code: 422, fields: ["data[..x]"], message: /must not start with '\.\.'/ },
    { name: "a key in data and binaryData", body: { data: { k: "v" }, binaryData: { k: "AAA=" } }, code: 422, fields: ["data[k]", "binaryData[k]"], message: /duplicate of key present in binaryData/ },
    { name: "more than 1 MiB", body: { data: { a: "x".repeat(600_000) }, binaryData: { b: Buffer.alloc(600_000).toString("base64") } }, code: 422, fields: [""], message: /is invalid: : Too long: must have at most 1048576 bytes/ },
    { name: "binaryData that is no base64", body: { binaryData: { k: "not base64!" } }, code: 400, message: /illegal base64 data at input byte 3/ },
  ];
  for (const [i, c] of refused.entries()) {
    test(`validateConfigMap refuses ${c.name} with ${c.code}`, async () => {
      const name = `bad${i}`;
      const r = await t.call("POST", CONFIGMAPS, cm(name, c.body));
      assert.equal(r.status, c.code, JSON.stringify(r.body).slice(0, 300));
      if (c.fields) assert.deepEqual(causes(r.body).map((x) => x.field), c.fields);
      assert.match(String(r.body.message), c.message);
      assert.equal((await t.call("GET", `${CONFIGMAPS}/${name}`)).status, 404);
    });
  }

  test("validateConfigMap accepts binaryData and dotted keys, exactly 1 MiB in all", async () => {
    const r = await t.call("POST", CONFIGMAPS, cm("ok", { data: { "a.b_c-D": "x".repeat(1024 * 1024 - 4) }, binaryData: { bin: Buffer.from([0xde, 0xca, 0xfe, 0xba]).toString("base64") } }));
    assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 300));
  });

  test("validateConfigMapUpdate: an immutable ConfigMap keeps data and binaryData and stays immutable; metadata may change", async () => {
    assert.equal((await t.call("POST", CONFIGMAPS, cm("frozen", { data: { a: "1" }, binaryData: { b: "AAA=" }, immutable: true }))).status, 201);
    const data = await t.call("PATCH", `${CONFIGMAPS}/frozen`, { data: { a: "2" } }, MERGE);
    assert.equal(data.status, 422, JSON.stringify(data.body));
    assert.equal(data.body.message, 'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const binary = await t.call("PATCH", `${CONFIGMAPS}/frozen`, { binaryData: { b: "AAE=" } }, MERGE);
    assert.match(String(binary.body.message), /binaryData: Forbidden: field is immutable when `immutable` is set/);
    const thaw = await t.call("PATCH", `${CONFIGMAPS}/frozen`, { immutable: false }, MERGE);
    assert.equal(thaw.status, 422);
    assert.match(String(thaw.body.message), /immutable: Forbidden: field is immutable when `immutable` is set/);
    const labelled = await t.call("PATCH", `${CONFIGMAPS}/frozen`, { metadata: { labels: { a: "b" } } }, MERGE);
    assert.equal(labelled.status, 200, JSON.stringify(labelled.body));
  });

  test("validateConfigMapUpdate lets a mutable ConfigMap change and become immutable", async () => {
    await t.call("POST", CONFIGMAPS, cm("soft", { data: { a: "1" } }));
    const r = await t.call("PATCH", `${CONFIGMAPS}/soft`, { data: { a: "2" }, immutable: true }, MERGE);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
});
