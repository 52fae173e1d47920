import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { certificateSubject, createCertificateAuthority, isKeyOf, issueCertificate } from "./certificates.js";

const now = new Date("2026-01-01T00:00:00Z");

test("issueCertificate makes a client certificate: CN the user, O the groups, clientAuth only, signed by the CA", async () => {
  const ca = await createCertificateAuthority(now);
  const issued = await issueCertificate(ca, { commonName: "alice", organizations: ["dev", "ops, inc"], usage: "client", now });
  const cert = new X509Certificate(issued.cert);
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey), "signed by the CA");
  assert.ok(cert.checkIssued(new X509Certificate(ca.cert)));
  assert.deepEqual(certificateSubject(issued.cert), { commonName: "alice", organizations: ["dev", "ops, inc"] });
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.equal(cert.ca, false);
  assert.ok(issued.key && await isKeyOf(issued.cert, issued.key), "its own new key is returned");
  assert.equal(Date.parse(cert.validTo) - now.getTime(), 365 * 24 * 3600 * 1000);
});

test("issueCertificate makes a serving certificate for names and addresses; a given public key gets no private key back", async () => {
  const ca = await createCertificateAuthority(now);
  const other = await issueCertificate(ca, { commonName: "x", usage: "client", now });
  const publicKey = await crypto.subtle.importKey("spki", new X509Certificate(other.cert).publicKey.export({ type: "spki", format: "der" }), { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
  const issued = await issueCertificate(ca, { commonName: "node-1", usage: "server", hosts: ["node-1", "10.0.0.7"], now, publicKey });
  const cert = new X509Certificate(issued.cert);
  assert.equal(issued.key, undefined);
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  assert.equal(cert.subjectAltName, "DNS:node-1, IP Address:10.0.0.7");
  assert.ok(cert.checkHost("node-1"));
  assert.ok(await isKeyOf(issued.cert, other.key!), "the certificate carries the given key");
});

test("isKeyOf tells a key from another one, and garbage from both", async () => {
  const ca = await createCertificateAuthority(now);
  const other = await createCertificateAuthority(now);
  assert.ok(await isKeyOf(ca.cert, ca.key));
  assert.equal(await isKeyOf(ca.cert, other.key), false);
  assert.equal(await isKeyOf("not a certificate", ca.key), false);
  assert.equal(await isKeyOf(ca.cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), false);
});
