import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { filledSecret, planTokenSecret, type Secret } from "./plan.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const account = { metadata: { name: "build", namespace: "ci", uid: "sa-1" } };
const secret = (annotations: Record<string, string>, data?: Record<string, string>): Secret => ({
  metadata: { name: "build-token", namespace: "ci", annotations: { "kubernetes.io/service-account.name": "build", ...annotations } },
  type: "kubernetes.io/service-account-token", ...(data ? { data } : {}),
});

describe("planTokenSecret", () => {
  test("planTokenSecret deletes a token Secret whose account is missing or was recreated", () => {
    assert.deepEqual(planTokenSecret(secret({}), undefined, CA), { action: "delete" });
    assert.deepEqual(planTokenSecret(secret({ "kubernetes.io/service-account.uid": "sa-0" }), account, CA), { action: "delete" });
  });

  test("planTokenSecret fills what an empty Secret lacks", () => {
    assert.deepEqual(planTokenSecret(secret({}), account, CA), { action: "fill", ca: true, namespace: true, token: true });
  });

  test("planTokenSecret leaves a complete Secret alone and only puts back a changed CA", () => {
    const full = { token: b64("t"), namespace: b64("ci"), "ca.crt": b64(CA) };
    assert.deepEqual(planTokenSecret(secret({ "kubernetes.io/service-account.uid": "sa-1" }, full), account, CA), { action: "none" });
    assert.deepEqual(planTokenSecret(secret({}, { ...full, "ca.crt": b64("old") }), account, CA), { action: "fill", ca: true, namespace: false, token: false });
    assert.deepEqual(planTokenSecret(secret({}, { token: b64("t"), namespace: b64("ci") }), account, undefined), { action: "none" });
  });
});

describe("filledSecret", () => {
  test("filledSecret writes the token, namespace and CA base64-encoded and records the account's uid", () => {
    const filled = filledSecret(secret({ mine: "x" }, { extra: b64("keep") }), account, { ca: true, namespace: true }, CA, "jwt");
    assert.deepEqual(filled.data, { extra: b64("keep"), "ca.crt": b64(CA), namespace: b64("ci"), token: b64("jwt") });
    assert.deepEqual(filled.metadata.annotations, { mine: "x", "kubernetes.io/service-account.name": "build", "kubernetes.io/service-account.uid": "sa-1" });
  });
});
