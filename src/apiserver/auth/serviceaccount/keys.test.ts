import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { test } from "node:test";
import { generateServiceAccountKey, loadServiceAccountKey, publicJwk } from "./keys.js";

test("loadServiceAccountKey reads back the PEM it wrote, with upstream's kid (base64url SHA-256 of the public key's DER)", async () => {
  const key = await generateServiceAccountKey();
  assert.match(key.pem, /^-----BEGIN PRIVATE KEY-----/);
  const again = await loadServiceAccountKey(key.pem);
  assert.equal(again.kid, key.kid);
  const der = createPublicKey(key.pem).export({ type: "spki", format: "der" });
  assert.equal(key.kid, createHash("sha256").update(der).digest("base64url"));
});

test("publicJwk is the public half only, marked for signatures with RS256", async () => {
  const key = await generateServiceAccountKey();
  const jwk = await publicJwk(key);
  assert.deepEqual(Object.keys(jwk).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
  assert.deepEqual([jwk.use, jwk.kty, jwk.alg, jwk.kid], ["sig", "RSA", "RS256", key.kid]);
});

test("loadServiceAccountKey refuses something that isn't a PKCS#8 key", async () => {
  await assert.rejects(loadServiceAccountKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
});
