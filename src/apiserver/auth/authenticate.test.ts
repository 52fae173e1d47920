import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { StatusError } from "../../api/errors.js";
import { authenticate, isPublicPath } from "./authenticate.js";
import { bearerToken } from "../../api/bearer.js";
import { audienceAgnostic, bearerAuthenticator } from "./bearer.js";
import { staticTokenAuthenticator } from "./token-file.js";
import type { Authenticator } from "./types.js";

const req = (headers: Record<string, string> = {}) => ({ headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }) as unknown as IncomingMessage;
const refuse: Authenticator = () => Promise.reject(new StatusError(401, "Unauthorized", "Unauthorized"));
const bob: Authenticator = () => Promise.resolve({ name: "bob", groups: ["dev"] });
const nobody: Authenticator = () => Promise.resolve(undefined);
const is401 = (err: unknown) => err instanceof StatusError && err.code === 401 && err.message === "Unauthorized";

test("authenticate: the first authenticator that knows the user wins, even after one refused (upstream's union)", async () => {
  assert.deepEqual(await authenticate(req(), "/api", [refuse, nobody, bob]), { name: "bob", groups: ["dev", "system:authenticated"] });
});

test("authenticate: a refusal nobody overrules is 401, on public paths too", async () => {
  await assert.rejects(authenticate(req(), "/healthz", [nobody, refuse]), is401);
});

test("authenticate: a bearer token nobody recognises is 401; another scheme is no credential", async () => {
  await assert.rejects(authenticate(req({ Authorization: "Bearer x" }), "/healthz", [nobody]), is401);
  assert.deepEqual(await authenticate(req({ Authorization: "Basic eDp5" }), "/healthz", [nobody]), { name: "system:anonymous", groups: ["system:unauthenticated"] });
  await assert.rejects(authenticate(req({ Authorization: "Basic eDp5" }), "/api", [nobody]), is401);
});

test("authenticate: system:authenticated is added once", async () => {
  const already: Authenticator = () => Promise.resolve({ name: "x", groups: ["system:authenticated"] });
  assert.deepEqual((await authenticate(req(), "/api", [already])).groups, ["system:authenticated"]);
});

test("isPublicPath: health, liveness, readiness (and below) and version only", () => {
  for (const p of ["/healthz", "/healthz/ping", "/livez", "/livez/etcd", "/readyz", "/readyz/", "/version", "/version/"]) assert.ok(isPublicPath(p), p);
  for (const p of ["/healthzx", "/versions", "/api", "/", "/metrics", "/readyzz/x", "/version/x"]) assert.ok(!isPublicPath(p), p);
});

test("bearerToken: the scheme in any case, the header trimmed, the token up to the next space", () => {
  assert.equal(bearerToken("bearer abc"), "abc");
  assert.equal(bearerToken("  BeArEr abc  "), "abc");
  assert.equal(bearerToken("Bearer abc def"), "abc");
  assert.equal(bearerToken("Bearer "), undefined, "trimmed to a bare scheme: not a bearer header");
  assert.equal(bearerToken("Bearer  abc"), "", "two spaces: an empty token, refused");
  assert.equal(bearerToken("Basic abc"), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

test("staticTokenAuthenticator: only the exact token, whatever its length", async () => {
  const a = bearerAuthenticator(audienceAgnostic(staticTokenAuthenticator("s3cret", { name: "admin", groups: ["system:masters"] }), []), []);
  assert.equal((await a(req({ Authorization: "Bearer s3cret" })))?.name, "admin");
  for (const t of ["s3cre", "s3cret2", "S3CRET", ""]) assert.equal(await a(req({ Authorization: `Bearer ${t}` })), undefined, t);
});
