import assert from "node:assert/strict";
import { isNotFound } from "../../api/errors.js";
import { createCertificateAuthority, createCertificateRequest } from "../../api/pki/certificates.js";
import type { KubeObject } from "../../api/types.js";
import { CERTIFICATESIGNINGREQUESTS as CSRS } from "../../client/resources.js";
import type { ConformanceCase } from "../case.js";
import { Collector, suffix } from "../core-kit.js";

/** Upstream's test/e2e/auth/certificates.go: the certificates.k8s.io/v1 API, its /approval and /status subresources. */

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

type Csr = KubeObject & { spec: Record<string, unknown>; status?: { conditions?: Condition[]; certificate?: string } };

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-auth] Certificates API [Privileged:ClusterAdmin] should support CSR API operations [Conformance]",
    async run(ctx) {
      const signerName = `example.com/e2e-${suffix()}`;
      const request = Buffer.from((await createCertificateRequest("e2e.example.com")).csr).toString("base64");
      const certificate = Buffer.from((await createCertificateAuthority(new Date(), "e2e.example.com")).cert).toString("base64");
      const template = {
        apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { generateName: "e2e-example-csr-" },
        spec: { request, signerName, expirationSeconds: 3600, usages: ["digital signature", "key encipherment", "server auth"] },
      };

      // Discovery: the group, its version, and the resource with both subresources.
      const groups = await ctx.client.request<{ groups: Array<{ name: string; versions: Array<{ groupVersion: string }> }> }>("GET", "/apis");
      assert.ok(groups.groups.find((g) => g.name === "certificates.k8s.io")?.versions.some((v) => v.groupVersion === "certificates.k8s.io/v1"));
      const group = await ctx.client.request<{ versions: Array<{ groupVersion: string }> }>("GET", "/apis/certificates.k8s.io");
      assert.ok(group.versions.some((v) => v.groupVersion === "certificates.k8s.io/v1"));
      const resources = (await ctx.client.request<{ resources: Array<{ name: string }> }>("GET", "/apis/certificates.k8s.io/v1")).resources.map((r) => r.name);
      for (const r of ["certificatesigningrequests", "certificatesigningrequests/approval", "certificatesigningrequests/status"]) assert.ok(resources.includes(r), r);

      // The main resource: create, get, list, watch, patch, update.
      const created = await ctx.client.create<Csr>(CSRS, undefined, template);
      await ctx.client.create<Csr>(CSRS, undefined, template);
      await ctx.client.create<Csr>(CSRS, undefined, template);
      const name = created.metadata.name!;
      assert.equal((await ctx.client.get<Csr>(CSRS, undefined, name)).metadata.uid, created.metadata.uid);
      const list = await ctx.client.list<Csr>(CSRS, undefined, { fieldSelector: `spec.signerName=${signerName}` });
      assert.equal(list.items.length, 3);
      const watch = new Collector<Csr>(ctx, CSRS, undefined, { fieldSelector: `metadata.name=${name}`, resourceVersion: list.metadata.resourceVersion });
      const patched = await ctx.client.patch<Csr>(CSRS, undefined, name, "merge", { metadata: { annotations: { patched: "true" } } });
      assert.equal(patched.metadata.annotations?.patched, "true");
      await watch.waitFor("the patch", (e) => e.type === "MODIFIED" && e.object.metadata.annotations?.patched === "true");
      const current = await ctx.client.get<Csr>(CSRS, undefined, name);
      const updated = await ctx.client.update<Csr>(CSRS, { ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, updated: "true" } } });
      assert.equal(updated.metadata.annotations?.updated, "true");
      watch.stop();

      // /approval: get, patch, update.
      const approvalPath = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`;
      assert.equal((await ctx.client.request<Csr>("GET", approvalPath)).metadata.uid, created.metadata.uid);
      const approvalPatched = await ctx.client.patch<Csr>(CSRS, undefined, name, "merge",
        { metadata: { annotations: { patchedapproval: "true" } }, status: { conditions: [{ type: "ApprovalPatch", status: "True", reason: "e2e" }] } }, "approval");
      assert.deepEqual(approvalPatched.status?.conditions?.map((c) => c.type), ["ApprovalPatch"]);
      assert.equal(approvalPatched.metadata.annotations?.patchedapproval, "true");
      const approved = await ctx.client.update<Csr>(CSRS, { ...approvalPatched, status: { ...approvalPatched.status, conditions: [
        ...approvalPatched.status?.conditions ?? [], { type: "Approved", status: "True", reason: "E2E", message: "Set from an e2e test" },
      ] } }, "approval");
      assert.deepEqual(approved.status?.conditions?.map((c) => c.type), ["ApprovalPatch", "Approved"]);

      // /status: get, patch, update.
      const statusPath = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/status`;
      assert.equal((await ctx.client.request<Csr>("GET", statusPath)).metadata.uid, created.metadata.uid);
      const statusPatched = await ctx.client.patch<Csr>(CSRS, undefined, name, "merge", { metadata: { annotations: { patchedstatus: "true" } }, status: { certificate } }, "status");
      assert.equal(statusPatched.status?.certificate, certificate);
      assert.equal(statusPatched.metadata.annotations?.patchedstatus, "true");
      const failed = await ctx.client.update<Csr>(CSRS, { ...statusPatched, status: { ...statusPatched.status, conditions: [
        ...statusPatched.status?.conditions ?? [], { type: "Failed", status: "True", reason: "E2E", message: "Set from an e2e test" },
      ] } }, "status");
      assert.ok(failed.status?.conditions?.some((c) => c.type === "Failed"));
      assert.ok(failed.status?.conditions?.some((c) => c.type === "Approved"), "the approval survives a status write");

      // Delete one, then the collection.
      await ctx.client.delete(CSRS, undefined, name);
      await assert.rejects(ctx.client.get(CSRS, undefined, name), (err: unknown) => isNotFound(err));
      await ctx.client.call("DELETE", "/apis/certificates.k8s.io/v1/certificatesigningrequests", { query: { fieldSelector: `spec.signerName=${signerName}` } });
      assert.equal((await ctx.client.list(CSRS, undefined, { fieldSelector: `spec.signerName=${signerName}` })).items.length, 0);
    },
  },
];
