import "reflect-metadata";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { createCertificateAuthority, KEY_ALGORITHM, type CertificateAndKey } from "../../api/pki/certificates.js";
import { MemoryStore } from "../../store/memory.js";
import { ApiServer } from "../server.js";
import { apiServerCertificate } from "../tls.js";
import type { Authorizer } from "./types.js";

/**
 * 1,000 client certificate variants against the API server over real HTTPS: signed by the cluster CA or
 * forged (another key under the CA's name, another CA, self-signed), valid, expired or not yet valid, with
 * client, server, both or no extended key usage, and subjects of every shape (empty, long, non-Latin, DN
 * metacharacters, many groups). Each asks `whoami` (a SelfSubjectReview): only a certificate the cluster
 * CA signed, valid now, usable for clients and naming someone is 201 with exactly its CN and O groups;
 * everything else is 401 — never a 500, a hang or another user.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const VARIANTS = 1_000;
const day = 24 * 3600 * 1000;

/** A small seeded generator (mulberry32): the same variants on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME_PARTS = ["alice", "system:node:n1", "日本語", "émile", "a,b", "x+y", "\"quoted\"", "back\\slash", "semi;colon", "<tag>", "#hash", " space ", "=eq", "😀", "a".repeat(200), "system:masters"];

type Signer = "ca" | "forged" | "otherCA" | "selfSigned";
type Window = "valid" | "expired" | "future";
type Usage = "client" | "server" | "both" | "none";

interface Variant {
  signer: Signer;
  window: Window;
  usage: Usage;
  commonName: string;
  organizations: string[];
}

function variantOf(next: () => number): Variant {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const word = () => (next() < 0.5 ? pick(NAME_PARTS) : `${pick(NAME_PARTS)}-${Math.floor(next() * 1e6)}`);
  return {
    signer: pick(["ca", "ca", "forged", "otherCA", "selfSigned"] as const),
    window: pick(["valid", "valid", "expired", "future"] as const),
    usage: pick(["client", "client", "server", "both", "none"] as const),
    commonName: next() < 0.1 ? "" : word(),
    organizations: Array.from({ length: Math.floor(next() * 5) }, word),
  };
}

/** RFC 4514's escaping of a DN value (@peculiar/x509's JSON names drop quotes and backslashes). */
const escaped = (value: string) => value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^([#\s])/, "\\$1").replace(/\s$/, "\\ ");

function subjectOf(v: Variant): string {
  return [...(v.commonName ? [`CN=${escaped(v.commonName)}`] : []), ...v.organizations.map((o) => `O=${escaped(o)}`)].join(", ");
}

const authorizer: Authorizer = {
  authorize: (a) => ({ decision: a.resource === "selfsubjectreviews" ? "allow" : "no-opinion" }),
};

describe("x509 client certificate fuzz", () => {
  let server: ApiServer;
  let port: number;
  let ca: CertificateAndKey;
  let caKeys: { cert: x509.X509Certificate; privateKey: CryptoKey };
  let otherCA: { cert: x509.X509Certificate; privateKey: CryptoKey };
  let forgedKey: CryptoKey;
  let leaf: CryptoKeyPair;
  let leafKeyPem: string;
  const now = new Date();

  const importKey = async (pem: string) =>
    await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), KEY_ALGORITHM, false, ["sign"]) as unknown as CryptoKey;

  before(async () => {
    ca = await createCertificateAuthority(now);
    const other = await createCertificateAuthority(now, "tugboat-ca");
    caKeys = { cert: new x509.X509Certificate(ca.cert), privateKey: await importKey(ca.key) };
    otherCA = { cert: new x509.X509Certificate(other.cert), privateKey: await importKey(other.key) };
    forgedKey = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]) as unknown as CryptoKeyPair).privateKey;
    // One subject key for every variant: what is fuzzed is the certificate around it.
    leaf = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
    leafKeyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", leaf.privateKey as unknown as webcrypto.CryptoKey), "PRIVATE KEY");
    server = new ApiServer({ store: new MemoryStore(), certs: await apiServerCertificate(ca, []), token: "s3cret", authorizer, log: () => {} });
    port = await server.listen(0);
  });
  after(() => server.close());

  async function certificateOf(v: Variant, serial: number): Promise<string> {
    const usages = { client: [x509.ExtendedKeyUsage.clientAuth], server: [x509.ExtendedKeyUsage.serverAuth], both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], none: [] }[v.usage];
    const [notBefore, notAfter] = {
      valid: [now.getTime() - day, now.getTime() + day], expired: [now.getTime() - 2 * day, now.getTime() - day], future: [now.getTime() + day, now.getTime() + 2 * day],
    }[v.window];
    const signer = { ca: caKeys, otherCA, forged: { cert: caKeys.cert, privateKey: forgedKey }, selfSigned: { cert: undefined, privateKey: leaf.privateKey } }[v.signer];
    const subject = subjectOf(v);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial + 1).toString(16).padStart(4, "0"),
      subject: subject || "O=nobody",
      issuer: signer.cert ? signer.cert.subject : subject || "O=nobody",
      notBefore: new Date(notBefore), notAfter: new Date(notAfter),
      signingKey: signer.privateKey, publicKey: leaf.publicKey, signingAlgorithm: KEY_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ...(usages.length > 0 ? [new x509.ExtendedKeyUsageExtension(usages, false)] : []),
      ],
    });
    return cert.toString("pem");
  }

  function whoami(cert: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: "127.0.0.1", port, method: "POST", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews", ca: ca.cert, agent: false,
        servername: "localhost", cert, key: leafKeyPem, headers: { "Content-Type": "application/json" }, timeout: 10_000,
      }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("timeout", () => req.destroy(new Error("no answer in 10 s")));
      req.on("error", reject);
      req.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }));
    });
  }

  test("1,000 certificate variants: 201 with exactly its CN and O only for a valid client certificate of the cluster CA, else 401", async () => {
    const next = random(23);
    const seen = { 201: 0, 401: 0 };
    for (let i = 0; i < VARIANTS; i++) {
      const v = variantOf(next);
      const answer = await whoami(await certificateOf(v, i));
      const what = `variant ${i}: ${JSON.stringify(v)} → ${answer.status} ${answer.body.slice(0, 300)}`;
      // OpenSSL's client purpose takes a certificate without extended key usage, or with clientAuth among them.
      const authenticates = v.signer === "ca" && v.window === "valid" && v.usage !== "server" && v.commonName !== "";
      if (authenticates) {
        assert.equal(answer.status, 201, what);
        const user = (JSON.parse(answer.body) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
        assert.equal(user.username, v.commonName, what);
        assert.deepEqual(user.groups, [...v.organizations, "system:authenticated"], what);
      } else {
        assert.equal(answer.status, 401, what);
        assert.equal((JSON.parse(answer.body) as { reason: string }).reason, "Unauthorized", what);
      }
      seen[answer.status as 201 | 401]++;
    }
    // The fuzz tests the checks, not a broken setup: both outcomes occur many times.
    assert.ok(seen[201] > 100 && seen[401] > 300, JSON.stringify(seen));
  });
});
