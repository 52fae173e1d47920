import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { bootstrapTokenSecret, parseBootstrapToken, tokenExpiration } from "../../api/bootstrap-token.js";
import { prepareSecret } from "../../api/validation/secret.js";
import type { KubeObject } from "../../api/types.js";
import { StatusError } from "../../api/errors.js";
import { bootstrapTokenAuthenticator } from "./bootstrap-token.js";
import { bearerAuthenticator } from "./bearer.js";
import { authenticate } from "./authenticate.js";

const now = Date.parse("2026-06-01T00:00:00Z");
const TOKEN = "abcdef.0123456789abcdef";

/** A token's Secret as the API server stores it (stringData folded into base64 data), with `change` applied to its data. */
function secret(change: (data: Record<string, string | undefined>) => void = () => {}, more: Partial<KubeObject> = {}): KubeObject {
  const s = bootstrapTokenSecret({ id: "abcdef", secret: "0123456789abcdef" }, { expiresAt: new Date(now + 3600_000), extraGroups: ["system:bootstrappers:kubeadm:default-node-token"] }) as KubeObject & { stringData: Record<string, string | undefined> };
  change(s.stringData);
  for (const k of Object.keys(s.stringData)) if (s.stringData[k] === undefined) delete s.stringData[k];
  prepareSecret(s as never);
  return { ...s, ...more };
}

function authFor(stored: KubeObject | undefined) {
  return bootstrapTokenAuthenticator(async (ns, name) => (stored && ns === "kube-system" && name === stored.metadata.name ? stored : undefined), () => now, ["https://kubernetes.default.svc.cluster.local"]);
}

test("parseBootstrapToken: six and sixteen of [a-z0-9] around a dot, nothing else", () => {
  assert.deepEqual(parseBootstrapToken(TOKEN), { id: "abcdef", secret: "0123456789abcdef" });
  for (const bad of ["ABCDEF.0123456789abcdef", "abcde.0123456789abcdef", "abcdef.0123456789abcde", "abcdef0123456789abcdef", "abcdef.0123456789abcdef\n", " abcdef.0123456789abcdef"]) {
    assert.equal(parseBootstrapToken(bad), undefined, JSON.stringify(bad));
  }
});

test("bootstrapTokenAuthenticator: a valid token is system:bootstrap:<id> in system:bootstrappers and its extra groups", async () => {
  const r = await authFor(secret())(TOKEN, []);
  assert.deepEqual(r, { ok: true, user: { name: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token"] }, audiences: [] });
});

test("bootstrapTokenAuthenticator: tokens not of the bootstrap form are not its kind", async () => {
  assert.equal(await authFor(secret())("some-other-token", []), undefined);
  assert.equal(await authFor(secret())("abcdef.0123456789ABCDEF", []), undefined);
});

test("bootstrapTokenAuthenticator refuses a wrong secret, a missing, deleted, mistyped, expired, unusable or badly grouped Secret", async () => {
  const cases: Array<{ name: string; token?: string; stored: KubeObject | undefined; error: RegExp }> = [
    { name: "wrong secret", token: "abcdef.0123456789abcdee", stored: secret(), error: /does not match/ },
    { name: "no Secret", stored: undefined, error: /no secret of name bootstrap-token-abcdef/ },
    { name: "being deleted", stored: secret(undefined, { metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system", deletionTimestamp: "2026-05-31T00:00:00Z" } }), error: /being deleted/ },
    { name: "wrong type", stored: { ...secret(), type: "Opaque" }, error: /not of type bootstrap.kubernetes.io\/token/ },
    { name: "token-id differs", stored: secret((d) => (d["token-id"] = "zzzzzz")), error: /token id does not match/ },
    { name: "expired", stored: secret((d) => (d.expiration = "2026-05-31T23:59:59Z")), error: /has expired/ },
    { name: "expiration not RFC 3339", stored: secret((d) => (d.expiration = "tomorrow")), error: /has expired/ },
    { name: "not for authentication", stored: secret((d) => (d["usage-bootstrap-authentication"] = undefined)), error: /usage-bootstrap-authentication=true/ },
    { name: "a group outside system:bootstrappers:", stored: secret((d) => (d["auth-extra-groups"] = "system:masters")), error: /group "system:masters" is invalid/ },
  ];
  for (const c of cases) {
    const r = await authFor(c.stored)(c.token ?? TOKEN, []);
    assert.equal(r?.ok, false, c.name);
    assert.match((r as { error: string }).error, c.error, c.name);
  }
});

test("bootstrapTokenAuthenticator: no expiration never expires; a token is only for the API's audiences", async () => {
  assert.deepEqual(tokenExpiration(secret((d) => (d.expiration = undefined)), now), { expired: false });
  assert.equal((await authFor(secret((d) => (d.expiration = undefined)))(TOKEN, []))?.ok, true);
  assert.deepEqual((await authFor(secret())(TOKEN, ["https://kubernetes.default.svc.cluster.local", "other"]))?.ok && "valid", "valid");
  assert.equal((await authFor(secret())(TOKEN, ["other"]))?.ok, false);
});

test("bootstrapTokenAuthenticator in the request chain: an expired or wrong token is a 401, a valid one the user", async () => {
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;
  const chain = (stored: KubeObject) => [bearerAuthenticator(authFor(stored), [])];
  assert.equal((await authenticate(req(TOKEN), "/api", chain(secret()))).name, "system:bootstrap:abcdef");
  for (const [token, stored] of [[TOKEN, secret((d) => (d.expiration = "2026-01-01T00:00:00Z"))], ["abcdef.ffffffffffffffff", secret()], ["abcdef.0123456789abcde", secret()]] as const) {
    await assert.rejects(authenticate(req(token), "/api", chain(stored)), (err: unknown) => err instanceof StatusError && err.code === 401);
  }
});
