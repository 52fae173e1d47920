import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateKeyPair, SignJWT } from "jose";
import { startTestServer } from "../../testing.js";
import { DEFAULT_ISSUER, generateServiceAccountKey, type ServiceAccountKey } from "./index.js";
import { LEGACY_CLAIM, LEGACY_ISSUER } from "../../../api/service-accounts.js";

type Json = Record<string, unknown>;

const ADMIN = "admin-token";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A seeded PRNG (mulberry32), so a failing variant is found again. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

describe("ServiceAccountTokenAuthenticator fuzz", () => {
  let key: ServiceAccountKey;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  let valid: string;
  let claims: Json;
  let saUid: string;

  before(async () => {
    key = await generateServiceAccountKey();
    srv = await startTestServer({ token: ADMIN, serviceAccounts: { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] } });
    const admin = { Authorization: `Bearer ${ADMIN}` };
    saUid = ((await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } }, admin)).body as { metadata: { uid: string } }).metadata.uid;
    const res = await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: {} }, admin);
    valid = (res.body as { status: { token: string } }).status.token;
    claims = JSON.parse(Buffer.from(valid.split(".")[1]!, "base64url").toString()) as Json;
  });
  after(() => srv.close());

  /** Every way of getting a token wrong this test knows, each a distinct string. */
  async function variants(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const add = (what: string, token: string) => {
      if (token !== valid && !out.has(token)) out.set(token, what);
    };
    const random = prng(23);
    const [h, p, s] = valid.split(".") as [string, string, string];
    // Truncations, from one character to all but the last.
    for (let i = 0; i < 250; i++) add(`truncated at ${Math.floor((i / 250) * valid.length)}`, valid.slice(0, Math.floor((i / 250) * valid.length)));
    // One character changed anywhere (header, payload, signature; the signature's very last character
    // carries unused bits, so a change there may decode to the same bytes: skipped).
    for (let i = 0; i < 450; i++) {
      const at = Math.floor(random() * (valid.length - 1));
      if (valid[at] === ".") continue;
      const c = B64URL[Math.floor(random() * 64)]!;
      if (c === valid[at]) continue;
      add(`char ${at} → ${c}`, valid.slice(0, at) + c + valid.slice(at + 1));
    }
    // Bits flipped in the decoded signature, and in the decoded payload (re-encoded: a well-formed token with a bad signature).
    const sig = Buffer.from(s, "base64url");
    const payload = Buffer.from(p, "base64url");
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(i % 2 ? sig : payload);
      const at = Math.floor(random() * bytes.length);
      bytes[at]! ^= 1 << Math.floor(random() * 8);
      add(`bit flipped in ${i % 2 ? "signature" : "payload"} byte ${at}`, i % 2 ? `${h}.${p}.${bytes.toString("base64url")}` : `${h}.${bytes.toString("base64url")}.${s}`);
    }
    // Structure: segments missing, doubled, empty, swapped, with padding or whitespace.
    for (const t of [`${h}.${p}`, `${h}.${p}.`, `.${p}.${s}`, `${h}..${s}`, `${h}.${p}.${s}.${s}`, `${p}.${h}.${s}`, `${h}.${p}.${s}==`, `${h} .${p}.${s}`, "..", ".", "a.b.c", `${h}.${h}.${h}`]) add("structure", t);
    // alg none, unsigned or with the real signature; alg missing; HMAC keyed with the public key's PEM (algorithm confusion).
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      add(`alg ${alg}`, `${b64({ alg, typ: "JWT" })}.${p}.`);
      add(`alg ${alg} with signature`, `${b64({ alg, typ: "JWT" })}.${p}.${s}`);
    }
    add("no alg", `${b64({ kid: key.kid })}.${p}.${s}`);
    const { exportSPKI } = await import("jose");
    const pem = new TextEncoder().encode(await exportSPKI(key.publicKey));
    for (const alg of ["HS256", "HS384", "HS512"]) {
      add(`${alg} keyed with the public key`, await new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid }).sign(pem));
      add(`${alg} keyed with garbage`, await new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode("secret")));
    }
    // Other keys and algorithms.
    for (const alg of ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]) {
      const other = await generateKeyPair(alg, { modulusLength: 2048 });
      add(`${alg} with another key`, await new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid }).sign(other.privateKey));
    }
    // The right key and algorithm, wrong claims: each must still be refused by validation.
    const sign = (c: Json, what: string, header: Json = {}) => new SignJWT(c).setProtectedHeader({ alg: "RS256", kid: key.kid, ...header }).sign(key.privateKey).then((t) => add(what, t));
    const k8s = claims["kubernetes.io"] as Json;
    const bad: Array<[string, Json]> = [
      ["aud other", { ...claims, aud: ["other"] }],
      ["aud empty", { ...claims, aud: [] }],
      ["aud number", { ...claims, aud: 5 }],
      ["expired", { ...claims, exp: 1000 }],
      ["exp string", { ...claims, exp: "soon" }],
      ["nbf future", { ...claims, nbf: 4_000_000_000 }],
      ["iat garbage", { ...claims, iat: "x" }],
      ["no kubernetes.io", { ...claims, "kubernetes.io": undefined }],
      ["kubernetes.io string", { ...claims, "kubernetes.io": "x" }],
      ["kubernetes.io array", { ...claims, "kubernetes.io": [1, 2] }],
      ["kubernetes.io null", { ...claims, "kubernetes.io": null }],
      ["serviceaccount null", { ...claims, "kubernetes.io": { ...k8s, serviceaccount: null } }],
      ["serviceaccount string", { ...claims, "kubernetes.io": { ...k8s, serviceaccount: "default" } }],
      ["serviceaccount uid wrong", { ...claims, "kubernetes.io": { ...k8s, serviceaccount: { name: "default", uid: "x" } } }],
      ["serviceaccount uid number", { ...claims, "kubernetes.io": { ...k8s, serviceaccount: { name: "default", uid: 7 } } }],
      ["serviceaccount missing", { ...claims, "kubernetes.io": { ...k8s, serviceaccount: { name: "nobody", uid: saUid } } }],
      ["serviceaccount name object", { ...claims, "kubernetes.io": { ...k8s, serviceaccount: { name: { $ne: 1 }, uid: saUid } } }],
      ["namespace other", { ...claims, "kubernetes.io": { ...k8s, namespace: "kube-system" } }],
      ["namespace object", { ...claims, "kubernetes.io": { ...k8s, namespace: {} } }],
      ["namespace traversal", { ...claims, "kubernetes.io": { ...k8s, namespace: "../../default" } }],
      ["pod missing", { ...claims, "kubernetes.io": { ...k8s, pod: { name: "nope", uid: "x" } } }],
      ["pod string", { ...claims, "kubernetes.io": { ...k8s, pod: "nope" } }],
      ["secret missing", { ...claims, "kubernetes.io": { ...k8s, secret: { name: "nope", uid: "x" } } }],
      ["node missing", { ...claims, "kubernetes.io": { ...k8s, node: { name: "nope", uid: "x" } } }],
      ["node number", { ...claims, "kubernetes.io": { ...k8s, node: 3 } }],
      ["huge audience list", { ...claims, aud: Array.from({ length: 300 }, (_, i) => `a${i}`) }],
      ["deep nesting", { ...claims, "kubernetes.io": JSON.parse("[".repeat(500) + "]".repeat(500)) as unknown }],
      ["iss other", { ...claims, iss: "https://evil" }],
      ["iss legacy, no claims", { ...claims, iss: LEGACY_ISSUER }],
      ["legacy, no secret", { iss: LEGACY_ISSUER, sub: "system:serviceaccount:default:default", [LEGACY_CLAIM.namespace]: "default", [LEGACY_CLAIM.secretName]: "nope", [LEGACY_CLAIM.serviceAccountName]: "default", [LEGACY_CLAIM.serviceAccountUID]: saUid }],
      ["legacy, sub mismatch", { iss: LEGACY_ISSUER, sub: "system:serviceaccount:x:y", [LEGACY_CLAIM.namespace]: "default", [LEGACY_CLAIM.secretName]: "nope", [LEGACY_CLAIM.serviceAccountName]: "default", [LEGACY_CLAIM.serviceAccountUID]: saUid }],
      ["legacy, claims numbers", { iss: LEGACY_ISSUER, sub: 1, [LEGACY_CLAIM.namespace]: 1, [LEGACY_CLAIM.secretName]: 2 }],
    ];
    for (const [what, c] of bad) await sign(c, what);
    // Signed by the key, with a header jose itself won't sign: signed here with node's RSA-SHA256.
    const { createSign, createPrivateKey } = await import("node:crypto");
    const rsaKey = createPrivateKey(key.pem);
    for (const [what, header] of [["crit exp", { alg: "RS256", crit: ["exp"], exp: 1 }], ["b64 false", { alg: "RS256", b64: false, crit: ["b64"] }], ["crit unknown", { alg: "RS256", crit: ["x-custom"], "x-custom": 1 }]] as const) {
      const input = `${b64(header)}.${p}`;
      add(what, `${input}.${createSign("RSA-SHA256").update(input).sign(rsaKey).toString("base64url")}`);
    }
    // Garbage JSON in well-formed segments.
    for (const [what, seg] of [["payload not JSON", b64("{")], ["payload array", b64([1])], ["payload null", b64("null")], ["payload string", b64('"x"')], ["payload huge string", b64({ iss: DEFAULT_ISSUER, x: "y".repeat(6000) })], ["payload unicode", b64({ iss: DEFAULT_ISSUER, sub: "\u0000\ud800" })]] as const) {
      add(what, `${h}.${seg}.${s}`);
    }
    for (const [what, seg] of [["header not JSON", b64("{")], ["header array", b64([])], ["header alg object", b64({ alg: { x: 1 } })], ["header jku", b64({ alg: "RS256", jku: "http://evil/keys" })], ["header embedded jwk", b64({ alg: "RS256", jwk: { kty: "RSA", n: "AQAB", e: "AQAB" } })]] as const) {
      add(what, `${seg}.${p}.${s}`);
    }
    // Random bytes, random base64url of various lengths, and non-ASCII.
    for (let i = 0; i < 300; i++) {
      const len = 1 + Math.floor(random() * 300);
      const chars = Array.from({ length: len }, () => B64URL[Math.floor(random() * 64)]!);
      for (const dot of [Math.floor(random() * len), Math.floor(random() * len)]) chars[dot] = ".";
      add("random", chars.join(""));
    }
    for (const t of ["ü.ü.ü", "%00", "\t", "Bearer", `${valid}\u00a0`]) add("odd characters", t);
    return out;
  }

  test("every malformed, tampered, forged or wrongly-claimed token is a 401, never a 500", async (t) => {
    const all = await variants();
    assert.ok(all.size >= 1000, `only ${all.size} variants`);
    t.diagnostic(`${all.size} token variants`);
    const failures: string[] = [];
    for (const [token, what] of all) {
      let res: Response;
      try {
        res = await fetch(`${srv.base}/api/v1/namespaces`, { headers: { Authorization: `Bearer ${token}` } });
      } catch {
        // A header value fetch itself refuses to send (control characters) never reached the server.
        continue;
      }
      const body = await res.text();
      if (res.status !== 401 || !body.includes('"reason":"Unauthorized"')) failures.push(`${what}: ${res.status} ${body.slice(0, 120)}`);
    }
    assert.deepEqual(failures, []);
  });

  test("TokenReview of every variant answers authenticated false with an error, never a 500", async () => {
    const all = await variants();
    const failures: string[] = [];
    for (const [token, what] of all) {
      const res = await srv.call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token } }, { Authorization: `Bearer ${ADMIN}` });
      const status = (res.body as { status?: { authenticated?: boolean; error?: string } }).status;
      // An empty token is upstream's 400 ("token is required").
      if (token === "" && res.status === 400) continue;
      if (res.status !== 201 || status?.authenticated === true || !status?.error) failures.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    }
    assert.deepEqual(failures, []);
  });

  test("the unmodified token is accepted (the fuzz tests the checks, not a broken setup)", async () => {
    const res = await fetch(`${srv.base}/api/v1/namespaces`, { headers: { Authorization: `Bearer ${valid}` } });
    assert.equal(res.status, 200);
  });
});
