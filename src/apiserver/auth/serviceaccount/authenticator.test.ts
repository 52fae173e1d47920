import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import { LEGACY_CLAIM, LEGACY_ISSUER } from "../../../api/service-accounts.js";
import { startTestServer } from "../../testing.js";
import { bearerToken } from "../../../api/bearer.js";
import { DEFAULT_ISSUER, generateServiceAccountKey, type ServiceAccountKey } from "./index.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ADMIN = "admin-token";
const T0 = Date.parse("2026-01-01T00:00:00Z");

describe("ServiceAccountTokenAuthenticator", () => {
  let key: ServiceAccountKey;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  let now = T0;
  const admin = { Authorization: `Bearer ${ADMIN}` };
  const ns = "/api/v1/namespaces/default";
  const as = (token: string) => srv.call("GET", `${ns}/configmaps`, undefined, { Authorization: `Bearer ${token}` });
  const token = async (sa: string, spec: Json = {}) => {
    const res = await srv.call("POST", `${ns}/serviceaccounts/${sa}/token`, { spec }, admin);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return (res.body as Json).status.token as string;
  };
  const review = async (t: string, audiences?: string[]) =>
    ((await srv.call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: t, audiences } }, admin)).body as Json).status as Json;

  before(async () => {
    key = await generateServiceAccountKey();
    srv = await startTestServer({ token: ADMIN, serviceAccounts: { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] }, clock: { now: () => now } });
    await srv.call("POST", `${ns}/serviceaccounts`, { metadata: { name: "default" } }, admin);
  });
  after(() => srv.close());

  test("a TokenRequest's token authenticates requests", async () => {
    assert.equal((await as(await token("default"))).status, 200);
  });

  test("the token authenticates as the account, in upstream's groups, with a credential id", async () => {
    const t = await token("default");
    const uid = ((await srv.call("GET", `${ns}/serviceaccounts/default`, undefined, admin)).body as Json).metadata.uid as string;
    const status = await review(t);
    assert.equal(status.authenticated, true);
    assert.equal(status.user.username, "system:serviceaccount:default:default");
    assert.equal(status.user.uid, uid);
    assert.deepEqual(status.user.groups, ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]);
    assert.match(status.user.extra["authentication.kubernetes.io/credential-id"][0] as string, /^JTI=[0-9a-f-]{36}$/);
    assert.deepEqual(status.audiences, [DEFAULT_ISSUER]);
  });

  test("a pod-bound token names the pod and its node in extra, and stops working once the pod is deleted", async () => {
    await srv.call("POST", "/api/v1/nodes", { metadata: { name: "n1" } }, admin);
    const pod = (await srv.call("POST", `${ns}/pods`, { metadata: { name: "bound" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] } }, admin)).body as Json;
    const t = await token("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "bound", uid: pod.metadata.uid } });
    const status = await review(t);
    assert.deepEqual(status.user.extra["authentication.kubernetes.io/pod-name"], ["bound"]);
    assert.deepEqual(status.user.extra["authentication.kubernetes.io/pod-uid"], [pod.metadata.uid]);
    assert.deepEqual(status.user.extra["authentication.kubernetes.io/node-name"], ["n1"]);
    assert.equal((await as(t)).status, 200);
    await srv.call("DELETE", `${ns}/pods/bound?gracePeriodSeconds=0`, undefined, admin);
    assert.equal((await as(t)).status, 401);
    assert.equal((await review(t)).error, "service account token has been invalidated");
  });

  test("a secret-bound token stops working once the secret is recreated with another uid", async () => {
    await srv.call("POST", `${ns}/secrets`, { metadata: { name: "holder" } }, admin);
    const t = await token("default", { boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "holder" } });
    assert.equal((await as(t)).status, 200);
    await srv.call("DELETE", `${ns}/secrets/holder`, undefined, admin);
    await srv.call("POST", `${ns}/secrets`, { metadata: { name: "holder" } }, admin);
    assert.equal((await as(t)).status, 401);
    assert.match((await review(t)).error as string, /^secret UID \(.+\) does not match service account secret ref claim/);
  });

  test("a token stops working once its account is deleted, and stays refused when the account is recreated", async () => {
    await srv.call("POST", `${ns}/serviceaccounts`, { metadata: { name: "short-lived" } }, admin);
    const t = await token("short-lived");
    assert.equal((await as(t)).status, 200);
    await srv.call("DELETE", `${ns}/serviceaccounts/short-lived`, undefined, admin);
    assert.equal((await as(t)).status, 401);
    assert.equal((await review(t)).error, 'serviceaccounts "short-lived" not found');
    await srv.call("POST", `${ns}/serviceaccounts`, { metadata: { name: "short-lived" } }, admin);
    assert.equal((await as(t)).status, 401);
    assert.match((await review(t)).error as string, /^service account UID \(.+\) does not match claim/);
  });

  test("a token for another audience is refused by the API and accepted for that audience", async () => {
    const t = await token("default", { audiences: ["vault"] });
    assert.equal((await as(t)).status, 401);
    assert.equal((await review(t)).error, `token audiences ["vault"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]`);
    const forVault = await review(t, ["vault"]);
    assert.equal(forVault.authenticated, true);
    assert.deepEqual(forVault.audiences, ["vault"]);
  });

  test("a token is refused once expired (a minute's leeway) and before it is valid", async () => {
    const t = await token("default", { expirationSeconds: 600 });
    now = T0 + 659_000;
    assert.equal((await as(t)).status, 200, "within the leeway");
    now = T0 + 661_000;
    assert.equal((await as(t)).status, 401);
    assert.equal((await review(t)).error, "service account token has expired");
    now = T0 - 61_000;
    assert.equal((await review(t)).error, "service account token is not valid yet");
    now = T0;
  });

  test("a legacy token is valid while its Secret holds it and names the account", async () => {
    const sa = (await srv.call("GET", `${ns}/serviceaccounts/default`, undefined, admin)).body as Json;
    const legacy = await new SignJWT({
      iss: LEGACY_ISSUER, sub: "system:serviceaccount:default:default",
      [LEGACY_CLAIM.namespace]: "default", [LEGACY_CLAIM.secretName]: "legacy",
      [LEGACY_CLAIM.serviceAccountName]: "default", [LEGACY_CLAIM.serviceAccountUID]: sa.metadata.uid,
    }).setProtectedHeader({ alg: "RS256" }).sign(key.privateKey);
    assert.equal((await as(legacy)).status, 401, "no Secret holds it yet");
    await srv.call("POST", `${ns}/secrets`, {
      metadata: { name: "legacy", annotations: { "kubernetes.io/service-account.name": "default" } }, type: "kubernetes.io/service-account-token",
      data: { token: Buffer.from(legacy).toString("base64") },
    }, admin);
    assert.equal((await as(legacy)).status, 200);
    const status = await review(legacy);
    assert.equal(status.user.username, "system:serviceaccount:default:default");
    assert.equal(status.user.extra["authentication.kubernetes.io/credential-id"], undefined);
    await srv.call("DELETE", `${ns}/secrets/legacy`, undefined, admin);
    assert.equal((await as(legacy)).status, 401);
    assert.equal((await review(legacy)).error, "token has been invalidated");
  });

  test("a token signed with another key is refused", async () => {
    const other = await generateServiceAccountKey();
    const forged = await new SignJWT({ iss: DEFAULT_ISSUER, aud: [DEFAULT_ISSUER], sub: "system:serviceaccount:default:default", exp: T0 / 1000 + 3600 })
      .setProtectedHeader({ alg: "RS256", kid: key.kid }).sign(other.privateKey);
    assert.equal((await as(forged)).status, 401);
    assert.equal((await review(forged)).error, "go-jose/go-jose: error in cryptographic primitive");
  });

  test("a token of another issuer, or not a JWT, is not this authenticator's: the review says invalid bearer token", async () => {
    assert.equal((await review("not-a-jwt")).error, "invalid bearer token");
    assert.equal((await review("not-a-jwt")).authenticated, undefined);
    assert.equal((await as("not-a-jwt")).status, 401);
  });

  test("TokenReview without a token is a 400 and answers only POST", async () => {
    const res = await srv.call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: {} }, admin);
    assert.equal(res.status, 400);
    assert.equal(res.body.message, "token is required for TokenReview in authentication");
    assert.equal((await srv.call("GET", "/apis/authentication.k8s.io/v1/tokenreviews", undefined, admin)).status, 405);
  });

  test("discovery serves authentication.k8s.io/v1 with tokenreviews as create-only", async () => {
    const list = (await srv.call("GET", "/apis/authentication.k8s.io/v1", undefined, admin)).body as Json;
    assert.deepEqual((list.resources as Json[]).filter((r) => r.name === "tokenreviews").map((r) => [r.name, r.verbs]), [["tokenreviews", ["create"]]]);
  });
});

describe("bearerToken", () => {
  test("bearerToken takes the scheme case-insensitively and nothing else", () => {
    assert.equal(bearerToken("Bearer abc"), "abc");
    assert.equal(bearerToken("bearer abc"), "abc");
    assert.equal(bearerToken("BEARER abc"), "abc");
    assert.equal(bearerToken("Basic abc"), undefined);
    assert.equal(bearerToken("Bearer "), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
