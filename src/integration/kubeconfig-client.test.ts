import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { createCertificateAuthority, issueCertificate, type CertificateAndKey } from "../api/pki/certificates.js";
import { ApiServer } from "../apiserver/server.js";
import { apiServerCertificate } from "../apiserver/tls.js";
import { RestClient } from "../client/rest.js";
import { MemoryStore } from "../store/memory.js";

/** The project's client, configured from kubeconfigs of every form, against a real HTTPS API server. */
describe("RestClient.fromKubeconfig against an HTTPS API server", () => {
  const dir = mkdtempSync(join(tmpdir(), "tug-kubeconfig-client-"));
  let server: ApiServer;
  let url: string;
  let ca: CertificateAndKey;
  let alice: CertificateAndKey;

  before(async () => {
    ca = await createCertificateAuthority(new Date());
    const issued = await issueCertificate(ca, { commonName: "alice", organizations: ["dev"], usage: "client", now: new Date() });
    alice = { cert: issued.cert, key: issued.key! };
    server = new ApiServer({ store: new MemoryStore(), certs: await apiServerCertificate(ca, []), token: "s3cret", log: () => {} });
    url = `https://127.0.0.1:${await server.listen(0)}`;
    writeFileSync(join(dir, "ca.crt"), ca.cert);
    writeFileSync(join(dir, "alice.crt"), alice.cert);
    writeFileSync(join(dir, "alice.key"), alice.key);
    writeFileSync(join(dir, "admin.token"), "s3cret\n");
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
    const file = join(dir, name);
    writeFileSync(file, stringify({
      apiVersion: "v1", kind: "Config", "current-context": "x",
      clusters: [{ name: "c", cluster: { server: url, ...cluster } }], users: [{ name: "u", user }], contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    }));
    return file;
  }

  async function whoami(file: string): Promise<string> {
    const client = RestClient.fromKubeconfig(file);
    try {
      const review = await client.request<{ status: { userInfo: { username: string } } }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
      });
      return review.status.userInfo.username;
    } finally {
      client.close();
    }
  }

  const b64 = (s: string) => Buffer.from(s).toString("base64");

  test("client-certificate-data and client-key-data with certificate-authority-data", async () => {
    assert.equal(await whoami(kubeconfig("data", { "certificate-authority-data": b64(ca.cert) }, { "client-certificate-data": b64(alice.cert), "client-key-data": b64(alice.key) })), "alice");
  });

  test("client-certificate and client-key files with a certificate-authority file", async () => {
    assert.equal(await whoami(kubeconfig("files", { "certificate-authority": "ca.crt" }, { "client-certificate": "alice.crt", "client-key": join(dir, "alice.key") })), "alice");
  });

  test("a token, and a tokenFile", async () => {
    assert.equal(await whoami(kubeconfig("token", { "certificate-authority": "ca.crt" }, { token: "s3cret" })), "admin");
    assert.equal(await whoami(kubeconfig("token-file", { "certificate-authority": "ca.crt" }, { tokenFile: "admin.token" })), "admin");
  });

  test("insecure-skip-tls-verify connects without the CA; without either the server's certificate is refused", async () => {
    assert.equal(await whoami(kubeconfig("insecure", { "insecure-skip-tls-verify": true }, { token: "s3cret" })), "admin");
    await assert.rejects(whoami(kubeconfig("no-ca", {}, { token: "s3cret" })), /certificate/);
  });

  test("a kubeconfig whose credentials the server refuses gets the 401", async () => {
    await assert.rejects(whoami(kubeconfig("bad-token", { "certificate-authority": "ca.crt" }, { token: "nope" })), (err: Error & { code?: number }) => err.code === 401);
  });
});
