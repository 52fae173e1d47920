import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCertificateRequest } from "../../api/pki/certificates.js";
import { startTestServer } from "../testing.js";

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const RBAC = "/apis/rbac.authorization.k8s.io/v1";

describe("CertificateApproval and CertificateSigning admission under RBAC", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  const admin = { Authorization: "Bearer admin" };
  const approver = { Authorization: "Bearer approver" };
  let request: string;

  /** A ClusterRole bound to the approver: update of /approval and /status of every CSR, and `verbs` on `signers`. */
  async function grant(name: string, rules: unknown[]): Promise<void> {
    assert.equal((await t.call("POST", `${RBAC}/clusterroles`, { metadata: { name }, rules }, admin)).status, 201);
    const binding = { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ kind: "User", name: "approver" }] };
    assert.equal((await t.call("POST", `${RBAC}/clusterrolebindings`, binding, admin)).status, 201);
  }

  before(async () => {
    t = await startTestServer({ token: "admin", authorizationModes: ["RBAC"], tokenFile: new Map([["approver", { name: "approver", groups: [] }]]) });
    request = Buffer.from((await createCertificateRequest("alice", ["dev"])).csr).toString("base64");
    await grant("csr-writer", [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests", "certificatesigningrequests/approval", "certificatesigningrequests/status"], verbs: ["get", "update"] }]);
    await grant("example-signers", [{ apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve", "sign"], resourceNames: ["example.com/*"] }]);
  });
  after(() => t.close());

  async function created(name: string, signerName: string): Promise<Record<string, unknown>> {
    const r = await t.call("POST", CSRS, { metadata: { name }, spec: { request, signerName, usages: ["client auth"] } }, admin);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  }
  const approve = (csr: Record<string, unknown>) => ({ ...csr, status: { conditions: [{ type: "Approved", status: "True", reason: "Test", message: "ok" }] } });

  test("approving through /approval takes `approve` on the signer: 403 with upstream's message without it, allowed by the domain's wildcard", async () => {
    const theirs = await created("kube-client", "kubernetes.io/kube-apiserver-client");
    const refused = await t.call("PUT", `${CSRS}/kube-client/approval`, approve(theirs), approver);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.message,
      `certificatesigningrequests.certificates.k8s.io "kube-client" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"`);
    assert.deepEqual((await t.call("GET", `${CSRS}/kube-client`, undefined, admin)).body.status, {}, "nothing was written");
    const ours = await created("example", "example.com/issuer");
    assert.equal((await t.call("PUT", `${CSRS}/example/approval`, approve(ours), approver)).status, 200);
    assert.equal((await t.call("PUT", `${CSRS}/kube-client/approval`, approve(theirs), admin)).status, 200, "system:masters may approve any signer's");
  });

  test("a certificate written through /status takes `sign` on the signer; a /status write that changes neither needs nothing", async () => {
    const theirs = (await t.call("GET", `${CSRS}/kube-client`, undefined, admin)).body;
    const cert = Buffer.from("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n").toString("base64");
    const withCert = (csr: Record<string, unknown>) => ({ ...csr, status: { ...(csr.status as object), certificate: cert } });
    const refused = await t.call("PUT", `${CSRS}/kube-client/status`, withCert(theirs), approver);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(String(refused.body.message), /user not permitted to sign requests with signerName "kubernetes.io\/kube-apiserver-client"/);
    assert.equal((await t.call("PUT", `${CSRS}/kube-client/status`, theirs, approver)).status, 200, "an unchanged status is no signing");
    const ours = (await t.call("GET", `${CSRS}/example`, undefined, admin)).body;
    const signed = await t.call("PUT", `${CSRS}/example/status`, withCert(ours), approver);
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal((signed.body.status as { certificate?: string }).certificate, cert);
  });
});
