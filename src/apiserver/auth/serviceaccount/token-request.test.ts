import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { startTestServer } from "../../testing.js";
import { DEFAULT_ISSUER, generateServiceAccountKey, type ServiceAccountKey } from "./index.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = Date.parse("2026-01-01T00:00:00Z");

describe("serviceaccounts/token (TokenRequest)", () => {
  let key: ServiceAccountKey;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const now = T0;
  const sa = "/api/v1/namespaces/default/serviceaccounts";
  const tokenFor = (name: string, spec: Json = {}, metadata: Json = {}) =>
    srv.call("POST", `${sa}/${name}/token`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata, spec });

  before(async () => {
    key = await generateServiceAccountKey();
    srv = await startTestServer({ serviceAccounts: { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] }, clock: { now: () => now } });
    for (const name of ["default", "other"]) assert.equal((await srv.call("POST", sa, { metadata: { name } })).status, 201);
    await srv.call("POST", "/api/v1/nodes", { metadata: { name: "n1" } });
    await srv.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] } });
    await srv.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "q" }, spec: { serviceAccountName: "other", containers: [{ name: "c", image: "busybox" }] } });
    await srv.call("POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "s" } });
  });
  after(() => srv.close());

  test("TokenRequest defaults to an hour for the API's audiences and signs upstream's claims", async () => {
    const res = await tokenFor("default");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = res.body as Json;
    assert.equal(body.kind, "TokenRequest");
    assert.deepEqual(body.spec, { audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, boundObjectRef: null });
    assert.equal(body.status.expirationTimestamp, "2026-01-01T01:00:00Z");
    const claims = decodeJwt(body.status.token as string);
    const account = (await srv.call("GET", `${sa}/default`)).body as Json;
    assert.equal(claims.iss, DEFAULT_ISSUER);
    assert.equal(claims.sub, "system:serviceaccount:default:default");
    assert.deepEqual(claims.aud, [DEFAULT_ISSUER]);
    assert.equal(claims.iat, T0 / 1000);
    assert.equal(claims.nbf, T0 / 1000);
    assert.equal(claims.exp, T0 / 1000 + 3600);
    assert.match(claims.jti as string, /^[0-9a-f-]{36}$/);
    assert.deepEqual(claims["kubernetes.io"], { namespace: "default", serviceaccount: { name: "default", uid: account.metadata.uid } });
    assert.deepEqual(decodeProtectedHeader(body.status.token as string), { alg: "RS256", kid: key.kid });
  });

  test("TokenRequest with dryRun=All answers as without it, as upstream's TokenREST (nothing is stored either way); validation still runs", async () => {
    const res = await srv.call("POST", `${sa}/default/token?dryRun=All`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 1200 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = res.body as Json;
    assert.equal(body.status.expirationTimestamp, "2026-01-01T00:20:00Z");
    assert.equal(decodeJwt(body.status.token as string).sub, "system:serviceaccount:default:default");
    const short = await srv.call("POST", `${sa}/default/token?dryRun=All`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 10 } });
    assert.equal(short.status, 422);
  });

  test("TokenRequest keeps the audiences and expiry asked for", async () => {
    const body = (await tokenFor("default", { audiences: ["vault", "nats"], expirationSeconds: 7200 })).body as Json;
    assert.deepEqual(decodeJwt(body.status.token as string).aud, ["vault", "nats"]);
    assert.equal(decodeJwt(body.status.token as string).exp, T0 / 1000 + 7200);
  });

  test("TokenRequest under ten minutes is a 422 with upstream's message", async () => {
    const res = await tokenFor("default", { expirationSeconds: 599 });
    assert.equal(res.status, 422);
    assert.equal(res.body.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    assert.deepEqual((res.body.details as Json).causes, [{ reason: "FieldValueInvalid", message: "Invalid value: 599: may not specify a duration less than 10 minutes", field: "spec.expirationSeconds" }]);
  });

  test("TokenRequest over 2^32 seconds is a 422", async () => {
    const res = await tokenFor("default", { expirationSeconds: 2 ** 32 + 1 });
    assert.equal(res.status, 422);
    assert.match(res.body.message as string, /may not specify a duration larger than 2\^32 seconds/);
  });

  test("TokenRequest whose metadata names another account is a 422", async () => {
    const res = await tokenFor("default", {}, { name: "x" });
    assert.equal(res.status, 422);
    assert.equal(res.body.message, 'TokenRequest.authentication.k8s.io "default" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified');
  });

  test("TokenRequest for a missing account is a 404", async () => {
    const res = await tokenFor("nobody");
    assert.equal(res.status, 404);
    assert.equal(res.body.message, 'serviceaccounts "nobody" not found');
  });

  test("TokenRequest with a wrong type is a 400, never a 500", async () => {
    for (const spec of [{ expirationSeconds: "x" }, { audiences: "a" }, { boundObjectRef: 5 }, { expirationSeconds: 1e300 }]) {
      assert.equal((await tokenFor("default", spec)).status, 400, JSON.stringify(spec));
    }
    assert.equal((await srv.call("POST", `${sa}/default/token`, "[1]")).status, 400);
  });

  test("TokenRequest bound to a pod carries the pod and its node", async () => {
    const pod = (await srv.call("GET", "/api/v1/namespaces/default/pods/p")).body as Json;
    const node = (await srv.call("GET", "/api/v1/nodes/n1")).body as Json;
    const res = await tokenFor("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: pod.metadata.uid } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const k8s = decodeJwt((res.body as Json).status.token as string)["kubernetes.io"] as Json;
    assert.deepEqual(k8s.pod, { name: "p", uid: pod.metadata.uid });
    assert.deepEqual(k8s.node, { name: "n1", uid: node.metadata.uid });
  });

  test("TokenRequest for the admission plugin's 3607 s bound to a pod is valid a year and warns after 3607 s", async () => {
    const res = await tokenFor("default", { expirationSeconds: 3607, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p" } });
    const body = res.body as Json;
    const claims = decodeJwt(body.status.token as string);
    assert.equal(claims.exp, T0 / 1000 + 365 * 24 * 3600);
    assert.equal((claims["kubernetes.io"] as Json).warnafter, T0 / 1000 + 3607);
    assert.equal(body.status.expirationTimestamp, "2026-01-01T01:00:07Z");
  });

  test("TokenRequest bound to a pod of another account is a 400", async () => {
    const res = await tokenFor("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "q" } });
    assert.equal(res.status, 400);
    assert.equal(res.body.message, 'cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.');
  });

  test("TokenRequest bound to an object whose uid changed is a 409", async () => {
    const res = await tokenFor("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "stale" } });
    assert.equal(res.status, 409);
    assert.match(res.body.message as string, /^Operation cannot be fulfilled on Pod "p": the UID in the bound object reference \(stale\) does not match the UID in record/);
  });

  test("TokenRequest bound to a missing object is a 404 and to another kind a 400", async () => {
    assert.equal((await tokenFor("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "gone" } })).status, 404);
    const res = await tokenFor("default", { boundObjectRef: { kind: "ConfigMap", apiVersion: "v1", name: "c" } });
    assert.equal(res.status, 400);
    assert.equal(res.body.message, "cannot bind token to object of type /v1, Kind=ConfigMap");
  });

  test("TokenRequest bound to a secret or a node names it", async () => {
    const secret = (await srv.call("GET", "/api/v1/namespaces/default/secrets/s")).body as Json;
    const s = decodeJwt(((await tokenFor("default", { boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "s" } })).body as Json).status.token as string);
    assert.deepEqual((s["kubernetes.io"] as Json).secret, { name: "s", uid: secret.metadata.uid });
    const n = decodeJwt(((await tokenFor("default", { boundObjectRef: { kind: "Node", apiVersion: "v1", name: "n1" } })).body as Json).status.token as string);
    assert.equal(((n["kubernetes.io"] as Json).node as Json).name, "n1");
  });

  test("serviceaccounts/token answers only POST", async () => {
    assert.equal((await srv.call("GET", `${sa}/default/token`)).status, 405);
  });

  test("discovery lists serviceaccounts/token as a create of TokenRequest", async () => {
    const list = (await srv.call("GET", "/api/v1")).body as Json;
    const token = (list.resources as Json[]).find((r) => r.name === "serviceaccounts/token");
    assert.deepEqual(token, { name: "serviceaccounts/token", singularName: "", namespaced: true, group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] });
  });
});
