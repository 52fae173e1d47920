import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { advertiseAddress } from "../../services/bootstrap.js";
import { startTestServer } from "../../testing.js";
import { DEFAULT_ISSUER, generateServiceAccountKey, type ServiceAccountKey } from "./index.js";

describe("service account issuer discovery", () => {
  let key: ServiceAccountKey;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const admin = { Authorization: "Bearer admin" };

  before(async () => {
    key = await generateServiceAccountKey();
    srv = await startTestServer({ token: "admin", serviceAccounts: { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] } });
  });
  after(() => srv.close());

  test("/.well-known/openid-configuration names the issuer, the JWKS and RS256", async () => {
    const res = await fetch(`${srv.base}/.well-known/openid-configuration`, { headers: admin });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("cache-control"), "public, max-age=3600");
    const port = new URL(srv.base).port;
    assert.deepEqual(await res.json(), {
      issuer: DEFAULT_ISSUER, jwks_uri: `https://${advertiseAddress("127.0.0.1")}:${port}/openid/v1/jwks`, response_types_supported: ["id_token"],
      subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["RS256"],
    });
  });

  test("/openid/v1/jwks serves the public key under the kid tokens carry, and verifies them", async () => {
    const res = await fetch(`${srv.base}/openid/v1/jwks`, { headers: admin });
    assert.equal(res.headers.get("content-type"), "application/jwk-set+json");
    const jwks = await res.json() as JSONWebKeySet;
    assert.equal(jwks.keys.length, 1);
    assert.deepEqual(Object.keys(jwks.keys[0]!).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
    assert.equal(jwks.keys[0]!.d, undefined, "no private part");
    await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } }, admin);
    const token = ((await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: {} }, admin)).body as { status: { token: string } }).status.token;
    assert.equal(decodeProtectedHeader(token).kid, jwks.keys[0]!.kid);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: DEFAULT_ISSUER, audience: DEFAULT_ISSUER });
    assert.equal(payload.sub, "system:serviceaccount:default:default");
  });

  test("the discovery documents need authentication, as upstream's defaults", async () => {
    assert.equal((await fetch(`${srv.base}/openid/v1/jwks`)).status, 401);
  });
});
