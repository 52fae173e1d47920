import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import type { RequestShape } from "../../api/pki/signers.js";
import { recognizeNodeClient, servingApproval, type CsrSpec } from "./recognize.js";

const request = (more: Partial<RequestShape> = {}): RequestShape => ({
  commonName: "system:node:n1", organizations: ["system:nodes"], dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [], ...more,
});
const clientSpec = (more: Partial<CsrSpec> = {}): CsrSpec => ({
  signerName: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["digital signature", "client auth"], username: "system:bootstrap:abcdef", groups: ["system:bootstrappers"], ...more,
});
const node: KubeObject = {
  metadata: { name: "n1" },
  status: { addresses: [{ type: "InternalIP", address: "10.0.0.7" }, { type: "Hostname", address: "n1.example" }] },
};
const servingSpec = (more: Partial<CsrSpec> = {}): CsrSpec => ({
  signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"], username: "system:node:n1", groups: ["system:nodes", "system:authenticated"], ...more,
});

test("recognizeNodeClient: a bootstrap token's node client request is a nodeclient one; the node's own renewal selfnodeclient first", () => {
  assert.deepEqual(recognizeNodeClient(clientSpec(), request()).map((r) => r.subresource), ["nodeclient"]);
  assert.deepEqual(recognizeNodeClient(clientSpec({ username: "system:node:n1" }), request()).map((r) => r.subresource), ["selfnodeclient", "nodeclient"]);
  assert.equal(recognizeNodeClient(clientSpec(), request()).at(-1)?.message, "Auto approving kubelet client certificate after SubjectAccessReview.");
});

test("recognizeNodeClient recognizes nothing the kubelet client signer would refuse, nor other signers", () => {
  assert.deepEqual(recognizeNodeClient(clientSpec(), request({ organizations: ["system:masters"] })), []);
  assert.deepEqual(recognizeNodeClient(clientSpec(), request({ commonName: "alice" })), []);
  assert.deepEqual(recognizeNodeClient(clientSpec(), request({ dnsNames: ["n1"] })), []);
  assert.deepEqual(recognizeNodeClient(clientSpec({ usages: ["client auth"] }), request()), []);
  assert.deepEqual(recognizeNodeClient(clientSpec({ signerName: "kubernetes.io/kube-apiserver-client" }), request()), []);
});

test("servingApproval: the node's own request for its own name and addresses", () => {
  assert.equal(servingApproval(servingSpec(), request({ dnsNames: ["n1", "n1.example"], ipAddresses: ["10.0.0.7"] }), node), true);
  assert.equal(servingApproval(servingSpec(), request({ ipAddresses: ["10.0.0.7"] }), node), true);
});

test("servingApproval leaves pending: another node's names or addresses, another requester, no Node yet", () => {
  const names = request({ dnsNames: ["n1"], ipAddresses: ["10.0.0.7"] });
  const cases: Array<{ name: string; spec?: CsrSpec; req?: RequestShape; node?: KubeObject | undefined }> = [
    { name: "an IP the node doesn't have", req: request({ ipAddresses: ["10.0.0.8"] }) },
    { name: "a DNS name the node doesn't have", req: request({ dnsNames: ["kubernetes.default.svc"] }) },
    { name: "asked by another node", spec: servingSpec({ username: "system:node:n2" }) },
    { name: "asked by a user not in system:nodes", spec: servingSpec({ groups: ["system:authenticated"] }) },
    { name: "for another node's name", req: request({ commonName: "system:node:n2", dnsNames: ["n1"] }), spec: servingSpec({ username: "system:node:n2" }) },
    { name: "no Node", node: undefined },
    { name: "client auth usages", spec: servingSpec({ usages: ["digital signature", "client auth"] }) },
  ];
  for (const c of cases) assert.equal(servingApproval(c.spec ?? servingSpec(), c.req ?? names, "node" in c ? c.node : node), false, c.name);
});
