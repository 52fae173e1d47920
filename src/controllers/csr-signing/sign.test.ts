import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { certificateSubject, createCertificateAuthority, createCertificateRequest, isKeyOf } from "../../api/pki/certificates.js";
import { decideSigning, KUBE_APISERVER_CLIENT, type Csr } from "./sign.js";

const now = Date.parse("2026-03-01T00:00:00Z");

async function csr(more: { signerName?: string; usages?: string[]; conditions?: Array<{ type: string; status?: string }>; expirationSeconds?: number; certificate?: string } = {}) {
  const { csr: pem, key } = await createCertificateRequest("alice", ["dev", "qa"]);
  const obj: Csr = {
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "alice" },
    spec: { request: Buffer.from(pem).toString("base64"), signerName: more.signerName ?? KUBE_APISERVER_CLIENT, usages: more.usages ?? ["client auth"], expirationSeconds: more.expirationSeconds },
    status: { conditions: more.conditions ?? [{ type: "Approved", status: "True" }], certificate: more.certificate },
  };
  return { obj, key };
}

test("decideSigning issues an approved kube-apiserver-client request: the CSR's subject and key, signed by the CA, client auth", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  const { obj, key } = await csr({ expirationSeconds: 3600 });
  const d = await decideSigning(obj, ca, now);
  assert.equal(d.action, "issue");
  const pem = (d as { certificate: string }).certificate;
  const cert = new X509Certificate(pem);
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  assert.deepEqual(certificateSubject(pem), { commonName: "alice", organizations: ["dev", "qa"] });
  assert.ok(await isKeyOf(pem, key));
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.equal(Date.parse(cert.validTo), now + 3600_000, "expirationSeconds honoured");
});

test("decideSigning caps the duration at the signing duration", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  const d = await decideSigning((await csr()).obj, ca, now, 24 * 3600_000);
  assert.equal(Date.parse(new X509Certificate((d as { certificate: string }).certificate).validTo), now + 24 * 3600_000);
});

test("decideSigning leaves alone what is not its own, not approved, denied, failed or issued", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  for (const more of [
    { signerName: "example.com/other" }, { conditions: [] }, { conditions: [{ type: "Approved" }, { type: "Failed" }] },
    { conditions: [{ type: "Denied" }] }, { conditions: [{ type: "Approved", status: "False" }] }, { certificate: "eA==" },
  ]) {
    assert.deepEqual(await decideSigning((await csr(more)).obj, ca, now), { action: "none" }, JSON.stringify(more));
  }
});

test("decideSigning fails a request for usages a client certificate can't have, as upstream words it", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  assert.deepEqual(await decideSigning((await csr({ usages: ["client auth", "server auth"] })).obj, ca, now),
    { action: "fail", reason: "SignerValidationFailure", message: "invalid usage for client certificate: server auth" });
  assert.deepEqual(await decideSigning((await csr({ usages: ["digital signature"] })).obj, ca, now),
    { action: "fail", reason: "SignerValidationFailure", message: "missing required usage for client certificate: client auth" });
});
