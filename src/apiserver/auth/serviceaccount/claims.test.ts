import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readLegacyClaims, readServiceAccountClaims, tokenClaims } from "./claims.js";

describe("tokenClaims", () => {
  test("tokenClaims: iat = nbf = now, exp = now + expirationSeconds, sub and the kubernetes.io claim as upstream", () => {
    const claims = tokenClaims({
      issuer: "https://kubernetes.default.svc.cluster.local", audiences: ["a", "b"], namespace: "ci", serviceAccount: { name: "build", uid: "sa-1" },
      pod: { name: "p", uid: "pod-1" }, node: { name: "n1", uid: "node-1" }, now: 1_700_000_000, expirationSeconds: 3600, jti: "j-1",
    });
    assert.deepEqual(claims, {
      aud: ["a", "b"], exp: 1_700_003_600, iat: 1_700_000_000, iss: "https://kubernetes.default.svc.cluster.local", jti: "j-1", nbf: 1_700_000_000,
      sub: "system:serviceaccount:ci:build",
      "kubernetes.io": { namespace: "ci", serviceaccount: { name: "build", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" }, node: { name: "n1", uid: "node-1" } },
    });
  });

  test("tokenClaims: a node without a uid is named alone, and warnafter is now + warnAfterSeconds", () => {
    const claims = tokenClaims({
      issuer: "i", audiences: ["i"], namespace: "ci", serviceAccount: { name: "build", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" },
      node: { name: "gone" }, now: 1000, expirationSeconds: 31_536_000, warnAfterSeconds: 3607, jti: "j",
    });
    const k8s = claims["kubernetes.io"] as Record<string, unknown>;
    assert.deepEqual(k8s.node, { name: "gone" });
    assert.equal(k8s.warnafter, 4607);
    assert.equal(claims.exp, 1000 + 31_536_000);
  });
});

describe("readServiceAccountClaims", () => {
  test("readServiceAccountClaims reads what tokenClaims wrote", () => {
    const claims = tokenClaims({ issuer: "i", audiences: ["i"], namespace: "ci", serviceAccount: { name: "build", uid: "sa-1" }, secret: { name: "s", uid: "s-1" }, now: 0, expirationSeconds: 600, jti: "j" });
    assert.deepEqual(readServiceAccountClaims(claims), { namespace: "ci", serviceaccount: { name: "build", uid: "sa-1" }, pod: undefined, secret: { name: "s", uid: "s-1" }, node: undefined, warnafter: undefined });
  });

  test("readServiceAccountClaims refuses a private claim of the wrong shape, and empties fields of the wrong type", () => {
    assert.throws(() => readServiceAccountClaims({ "kubernetes.io": "x" }), /unexpected private claim/);
    assert.throws(() => readServiceAccountClaims({ "kubernetes.io": { namespace: "ci", serviceaccount: { name: "a", uid: "b" }, pod: "p" } }), /malformed/);
    assert.deepEqual(readServiceAccountClaims({ "kubernetes.io": { namespace: 5, serviceaccount: { name: {}, uid: "b" } } }).serviceaccount, { name: "", uid: "b" });
  });

  test("readLegacyClaims reads upstream's four legacy claims", () => {
    assert.deepEqual(readLegacyClaims({
      "kubernetes.io/serviceaccount/namespace": "ci", "kubernetes.io/serviceaccount/secret.name": "t",
      "kubernetes.io/serviceaccount/service-account.name": "build", "kubernetes.io/serviceaccount/service-account.uid": "sa-1",
    }), { namespace: "ci", secretName: "t", serviceAccountName: "build", serviceAccountUID: "sa-1" });
  });
});
