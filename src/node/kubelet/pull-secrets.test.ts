import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pullCredentials } from "./pull-secrets.js";

const dockerconfig = (auths: Record<string, object>) => ({ ".dockerconfigjson": Buffer.from(JSON.stringify({ auths })) });
const basic = (user: string, pw: string) => ({ auth: Buffer.from(`${user}:${pw}`).toString("base64") });

describe("pullCredentials", () => {
  test("gives the entry of the image's registry host, decoding auth", () => {
    const secrets = [dockerconfig({ "127.0.0.1:5000": basic("user", "pw"), "other.io": basic("x", "y") })];
    assert.deepEqual(pullCredentials("127.0.0.1:5000/web:1", secrets), [{ username: "user", password: "pw", serverAddress: "https://127.0.0.1:5000" }]);
    assert.deepEqual(pullCredentials("busybox:1.36", secrets), []);
  });
  test("matches Docker Hub however the entry spells it, and a path prefix only under it", () => {
    const secrets = [dockerconfig({ "https://index.docker.io/v1/": { username: "hub", password: "h" }, "quay.io/team": basic("t", "p") })];
    assert.deepEqual(pullCredentials("ikubernetes/myapp:v1", secrets), [{ username: "hub", password: "h", serverAddress: "https://registry-1.docker.io" }]);
    assert.equal(pullCredentials("quay.io/team/app:1", secrets)[0]?.username, "t");
    assert.deepEqual(pullCredentials("quay.io/other/app:1", secrets), []);
  });
  test("tries every secret's matching entries in order and skips what isn't JSON", () => {
    const secrets = [{ ".dockerconfigjson": Buffer.from("not json") }, dockerconfig({ "reg.io": basic("a", "1") }), { ".dockercfg": Buffer.from(JSON.stringify({ "https://reg.io": basic("b", "2") })) }];
    assert.deepEqual(pullCredentials("reg.io/app@sha256:abc", secrets).map((c) => c.username), ["a", "b"]);
  });
});
