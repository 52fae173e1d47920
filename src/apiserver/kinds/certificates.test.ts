import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCertificateRequest } from "../../api/pki/certificates.js";
import { startTestServer } from "../testing.js";

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

async function csrPem(cn: string): Promise<string> {
  return (await createCertificateRequest(cn, ["dev"])).csr;
}

describe("certificates.k8s.io/v1 CertificateSigningRequest", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  let request: string;
  before(async () => {
    t = await startTestServer();
    request = Buffer.from(await csrPem("alice")).toString("base64");
  });
  after(() => t.close());

  const csr = (name: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name },
    spec: { request, signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], ...spec },
  });

  test("a create records the requesting user in the spec and starts with an empty status", async () => {
    const r = await t.call("POST", CSRS, { ...csr("who"), spec: { ...csr("who").spec, username: "mallory", groups: ["system:masters"] }, status: { certificate: "eA==" } },
      { "Impersonate-User": "alice", "Impersonate-Group": "dev" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const spec = r.body.spec as Record<string, unknown>;
    assert.deepEqual([spec.username, spec.groups], ["alice", ["dev", "system:authenticated"]]);
    assert.deepEqual(r.body.status, {});
  });

  test("/approval changes only the conditions; /status cannot change the approval; the spec never changes", async () => {
    const created = (await t.call("POST", CSRS, csr("flow"))).body as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    const approved = await t.call("PUT", `${CSRS}/flow/approval`, { ...created, spec: { ...created.spec, signerName: "example.com/other" }, status: {
      conditions: [{ type: "Approved", reason: "KubectlApprove", message: "ok" }], certificate: "eA==" } });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual(approved.body.status, { conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", message: "ok" }] });
    assert.equal((approved.body.spec as Record<string, unknown>).signerName, "kubernetes.io/kube-apiserver-client");
    const cert = Buffer.from("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n").toString("base64");
    const issued = await t.call("PUT", `${CSRS}/flow/status`, { ...approved.body, status: { conditions: [{ type: "Denied", status: "True" }], certificate: cert } });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.deepEqual(issued.body.status, { conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", message: "ok" }], certificate: cert });
    const both = await t.call("PUT", `${CSRS}/flow/approval`, { ...issued.body, status: { conditions: [{ type: "Approved", status: "True" }, { type: "Denied", status: "True" }] } });
    assert.equal(both.status, 422);
    assert.match(String(both.body.message), /Approved and Denied conditions are mutually exclusive/);
  });

  const invalid: Array<{ name: string; spec: Record<string, unknown>; message: RegExp }> = [
    { name: "a request that is not a CSR", spec: { request: Buffer.from("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n").toString("base64") }, message: /spec.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/ },
    { name: "no signer", spec: { signerName: "" }, message: /spec.signerName: Required value/ },
    { name: "a bad signer name", spec: { signerName: "nodomain" }, message: /must be a fully qualified domain and path of the form 'example.com\/signer-name'/ },
    { name: "no usages", spec: { usages: [] }, message: /spec.usages: Required value/ },
    { name: "an unknown usage", spec: { usages: ["flying"] }, message: /spec.usages\[0\]: Unsupported value: "flying"/ },
    { name: "too short a duration", spec: { expirationSeconds: 60 }, message: /may not specify a duration less than 600 seconds/ },
  ];
  for (const c of invalid) {
    test(`a CertificateSigningRequest with ${c.name} is 422`, async () => {
      const r = await t.call("POST", CSRS, csr("bad", c.spec));
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.match(String(r.body.message), c.message);
    });
  }
});
