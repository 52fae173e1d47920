import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { certificateSubject, createCertificateAuthority, createCertificateRequest, isKeyOf } from "../../api/pki/certificates.js";
import { decideSigning, KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, type Csr } from "./sign.js";

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

async function nodeCsr(signerName: string, usages: string[], subject: { cn?: string; o?: string[]; hosts?: string[] } = {}) {
  const { csr: pem, key } = await createCertificateRequest(subject.cn ?? "system:node:n1", subject.o ?? ["system:nodes"], subject.hosts ?? []);
  const obj: Csr = {
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "node-csr" },
    spec: { request: Buffer.from(pem).toString("base64"), signerName, usages },
    status: { conditions: [{ type: "Approved", status: "True" }] },
  };
  return { obj, key };
}

test("decideSigning issues a kube-apiserver-client-kubelet request: system:node:<name> in system:nodes, client auth", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  const { obj, key } = await nodeCsr(KUBE_APISERVER_CLIENT_KUBELET, ["digital signature", "client auth"]);
  const d = await decideSigning(obj, ca, now);
  const pem = (d as { certificate: string }).certificate;
  assert.deepEqual(certificateSubject(pem), { commonName: "system:node:n1", organizations: ["system:nodes"] });
  assert.ok(await isKeyOf(pem, key));
  assert.deepEqual(new X509Certificate(pem).keyUsage, ["1.3.6.1.5.5.7.3.2"]);
});

test("decideSigning issues a kubelet-serving request for its DNS names and IPs, server auth", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  const { obj } = await nodeCsr(KUBELET_SERVING, ["digital signature", "key encipherment", "server auth"], { hosts: ["n1", "10.0.0.7"] });
  const cert = new X509Certificate((await decideSigning(obj, ca, now) as { certificate: string }).certificate);
  assert.equal(cert.subjectAltName, "DNS:n1, IP Address:10.0.0.7");
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
});

test("decideSigning fails node requests the kubelet signers don't accept, with upstream's messages", async () => {
  const ca = await createCertificateAuthority(new Date(now));
  const client = ["digital signature", "key encipherment", "client auth"];
  const serving = ["digital signature", "key encipherment", "server auth"];
  const cases: Array<{ name: string; signer: string; usages: string[]; subject?: { cn?: string; o?: string[]; hosts?: string[] }; message: string }> = [
    { name: "client: another group", signer: KUBE_APISERVER_CLIENT_KUBELET, usages: client, subject: { o: ["system:masters"] }, message: "subject organization is not system:nodes" },
    { name: "client: system:nodes and more", signer: KUBE_APISERVER_CLIENT_KUBELET, usages: client, subject: { o: ["system:nodes", "system:masters"] }, message: "subject organization is not system:nodes" },
    { name: "client: a DNS name", signer: KUBE_APISERVER_CLIENT_KUBELET, usages: client, subject: { hosts: ["n1"] }, message: "DNS subjectAltNames are not allowed" },
    { name: "client: an IP", signer: KUBE_APISERVER_CLIENT_KUBELET, usages: client, subject: { hosts: ["10.0.0.7"] }, message: "IP subjectAltNames are not allowed" },
    { name: "client: not a node", signer: KUBE_APISERVER_CLIENT_KUBELET, usages: client, subject: { cn: "alice" }, message: "subject common name does not begin with system:node:" },
    { name: "client: server auth", signer: KUBE_APISERVER_CLIENT_KUBELET, usages: [...client, "server auth"], message: "usages did not match [client auth digital signature key encipherment]" },
    { name: "serving: no names", signer: KUBELET_SERVING, usages: serving, message: "DNS or IP subjectAltName is required" },
    { name: "serving: client auth", signer: KUBELET_SERVING, usages: ["digital signature", "client auth"], subject: { hosts: ["n1"] }, message: "usages did not match [digital signature key encipherment server auth]" },
    { name: "serving: not a node", signer: KUBELET_SERVING, usages: serving, subject: { cn: "web", hosts: ["n1"] }, message: "subject common name does not begin with system:node:" },
    { name: "serving: another group", signer: KUBELET_SERVING, usages: serving, subject: { o: [], hosts: ["n1"] }, message: "subject organization is not system:nodes" },
  ];
  for (const c of cases) {
    const { obj } = await nodeCsr(c.signer, c.usages, c.subject);
    assert.deepEqual(await decideSigning(obj, ca, now), { action: "fail", reason: "SignerValidationFailure", message: c.message }, c.name);
  }
});
