import { isConflict } from "../../api/errors.js";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { CONFIGMAPS, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, STORAGECLASSES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { Collector, SERVICEACCOUNTS, deleteCollection, names, raw, suffix, waitFor, waitGone } from "../core-kit.js";

/** Runs a read-modify-write again while it conflicts with another writer (client-go's retry.RetryOnConflict, 5 tries). */
async function retryOnConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

/**
 * Upstream's storage/persistent_volumes.go and storageclass.go (the API conformance of served storage
 * kinds), auth/service_accounts.go for what ServiceAccounts serve, and the storage/auth entries whose
 * kinds or subresources Tugboat does not serve.
 */

interface Claim extends KubeObject {
  status?: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

function pv(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1", kind: "PersistentVolume", metadata: { name, labels },
    spec: { capacity: { storage: "3M" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", storageClassName: "e2e-manual", hostPath: { path: "/tmp/e2e-unused-pv" } },
  };
}

function pvc(name: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, labels }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "e2e-manual", resources: { requests: { storage: "1M" } } } };
}

const notServed = (codename: string, what: string): ConformanceCase => ({ codename, notServed: what, run: async () => {} });

async function withPvAndClaim(ctx: ConformanceContext, body: (pvName: string, label: string) => Promise<void>): Promise<void> {
  const label = `e2e-pv-${suffix()}`;
  const pvName = `pv-${label}`;
  await ctx.client.create(PERSISTENTVOLUMES, undefined, pv(pvName, { "e2e-pv-pool": label }));
  try {
    await ctx.client.create(PERSISTENTVOLUMECLAIMS, ctx.namespace, pvc("pvc-e2e", { "e2e-pvc": label }));
    await body(pvName, label);
  } finally {
    await ctx.client.delete(PERSISTENTVOLUMECLAIMS, ctx.namespace, "pvc-e2e").catch(() => {});
    await ctx.client.delete(PERSISTENTVOLUMES, undefined, pvName).catch(() => {});
  }
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-storage] PersistentVolumes CSI Conformance should run through the lifecycle of a PV and a PVC [Conformance]",
    run: (ctx) => withPvAndClaim(ctx, async (pvName, label) => {
      assert.deepEqual(await names(ctx, PERSISTENTVOLUMES, `e2e-pv-pool=${label}`, undefined), [pvName], "PVs listed by label");
      assert.deepEqual(await names(ctx, PERSISTENTVOLUMECLAIMS), ["pvc-e2e"], "PVCs listed in the namespace");
      const p1 = await ctx.client.patch(PERSISTENTVOLUMES, undefined, pvName, "merge", { metadata: { labels: { [pvName]: "patched" } } });
      assert.equal(p1.metadata.labels?.[pvName], "patched");
      const p2 = await ctx.client.patch(PERSISTENTVOLUMECLAIMS, ctx.namespace, "pvc-e2e", "merge", { metadata: { labels: { "pvc-e2e": "patched" } } });
      assert.equal(p2.metadata.labels?.["pvc-e2e"], "patched");
      const got = await ctx.client.get(PERSISTENTVOLUMES, undefined, pvName);
      assert.equal(got.metadata.uid, p1.metadata.uid);
      // As upstream, read and update again on a conflict: the PV controller writes the claim meanwhile.
      const u = await retryOnConflict(async () => {
        const claim = await ctx.client.get(PERSISTENTVOLUMECLAIMS, ctx.namespace, "pvc-e2e");
        return ctx.client.update(PERSISTENTVOLUMECLAIMS, { ...claim, metadata: { ...claim.metadata, labels: { ...claim.metadata.labels, "pvc-e2e": "updated" } } });
      });
      assert.equal(u.metadata.labels?.["pvc-e2e"], "updated");
      await deleteCollection(ctx, PERSISTENTVOLUMECLAIMS, `e2e-pvc=${label}`);
      await waitGone(ctx, PERSISTENTVOLUMECLAIMS, "pvc-e2e");
      await deleteCollection(ctx, PERSISTENTVOLUMES, `e2e-pv-pool=${label}`, undefined);
      await waitGone(ctx, PERSISTENTVOLUMES, pvName, 30_000, undefined);
    }),
  },
  {
    codename: "[sig-storage] PersistentVolumes CSI Conformance should apply changes to a pv/pvc status [Conformance]",
    run: (ctx) => withPvAndClaim(ctx, async (pvName) => {
      const claim = await ctx.client.request<Claim>("GET", `/api/v1/namespaces/${ctx.namespace}/persistentvolumeclaims/pvc-e2e/status`);
      assert.ok(claim.status?.phase, "the claim has a phase");
      const vol = await ctx.client.request<Claim>("GET", `/api/v1/persistentvolumes/${pvName}/status`);
      assert.ok(vol.status?.phase, "the volume has a phase");
      const cond = { type: "StatusPatched", status: "True", reason: "E2E patchedStatus", message: "Set from an e2e test" };
      const patched = await ctx.client.patch<Claim>(PERSISTENTVOLUMECLAIMS, ctx.namespace, "pvc-e2e", "merge", { status: { conditions: [cond] } }, "status");
      assert.ok(patched.status?.conditions?.some((c) => c.type === "StatusPatched"));
      const pvPatched = await ctx.client.patch<KubeObject & { status?: { reason?: string; message?: string } }>(PERSISTENTVOLUMES, undefined, pvName, "merge", { status: { reason: "E2E patchStatus", message: "Patched by an e2e test" } }, "status");
      assert.equal(pvPatched.status?.reason, "E2E patchStatus");
      // The PV controller writes the claim and volume too: read-modify-write again on a conflict, as upstream's
      // test does (retry.RetryOnConflict).
      const updated = await retryOnConflict(async () => {
        const current = await ctx.client.get<Claim>(PERSISTENTVOLUMECLAIMS, ctx.namespace, "pvc-e2e");
        current.status = { ...current.status, conditions: [{ ...cond, type: "StatusUpdated", reason: "E2E updateStatus" }] };
        return ctx.client.update<Claim>(PERSISTENTVOLUMECLAIMS, current, "status");
      });
      assert.ok(updated.status?.conditions?.some((c) => c.type === "StatusUpdated"));
      const pvUpdated = await retryOnConflict(async () => {
        const pvNow = await ctx.client.get<KubeObject & { status?: { reason?: string; message?: string } }>(PERSISTENTVOLUMES, undefined, pvName);
        return ctx.client.update<KubeObject & { status?: { reason?: string } }>(PERSISTENTVOLUMES, { ...pvNow, status: { ...pvNow.status, reason: "E2E updateStatus" } }, "status");
      });
      assert.equal(pvUpdated.status?.reason, "E2E updateStatus");
    }),
  },
  {
    codename: "[sig-storage] StorageClasses CSI Conformance should run through the lifecycle of a StorageClass [Conformance]",
    async run(ctx) {
      const name = `e2e-sc-${suffix()}`;
      const sc = (n: string) => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: n, labels: { "e2e-sc": name } }, provisioner: "e2e-fake-provisioner" });
      await ctx.client.create(STORAGECLASSES, undefined, sc(name));
      assert.equal((await ctx.client.get(STORAGECLASSES, undefined, name)).metadata.name, name);
      const patched = await ctx.client.patch(STORAGECLASSES, undefined, name, "merge", { metadata: { labels: { [name]: "patched" } } });
      assert.equal(patched.metadata.labels?.[name], "patched");
      await ctx.client.delete(STORAGECLASSES, undefined, name);
      await waitGone(ctx, STORAGECLASSES, name, 30_000, undefined);
      const again = await ctx.client.create(STORAGECLASSES, undefined, sc(`${name}-2`));
      const updated = await ctx.client.update(STORAGECLASSES, { ...again, metadata: { ...again.metadata, labels: { ...again.metadata.labels, [name]: "updated" } } });
      assert.equal(updated.metadata.labels?.[name], "updated");
      await deleteCollection(ctx, STORAGECLASSES, `e2e-sc=${name}`, undefined);
      await waitGone(ctx, STORAGECLASSES, `${name}-2`, 30_000, undefined);
    },
  },
  {
    codename: "[sig-auth] ServiceAccounts should run through the lifecycle of a ServiceAccount [Conformance]",
    async run(ctx) {
      const watch = await Collector.start(ctx, SERVICEACCOUNTS, ctx.namespace, { labelSelector: "test-serviceaccount-static=true" });
      await ctx.client.create(SERVICEACCOUNTS, ctx.namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "e2e-sa", labels: { "test-serviceaccount-static": "true" } } });
      await watch.waitFor("ADDED", (e) => e.type === "ADDED");
      const patched = await ctx.client.patch<KubeObject & { automountServiceAccountToken?: boolean }>(SERVICEACCOUNTS, ctx.namespace, "e2e-sa", "strategic", { automountServiceAccountToken: false });
      assert.equal(patched.automountServiceAccountToken, false);
      await watch.waitFor("MODIFIED", (e) => e.type === "MODIFIED");
      const listed = await ctx.client.list<KubeObject & { automountServiceAccountToken?: boolean }>(SERVICEACCOUNTS, undefined, { labelSelector: "test-serviceaccount-static=true" });
      assert.ok(listed.items.some((s) => s.metadata.namespace === ctx.namespace && s.automountServiceAccountToken === false));
      await deleteCollection(ctx, SERVICEACCOUNTS, "test-serviceaccount-static=true");
      await watch.waitFor("DELETED", (e) => e.type === "DELETED");
      watch.stop();
    },
  },
  {
    codename: "[sig-auth] ServiceAccounts should update a ServiceAccount [Conformance]",
    async run(ctx) {
      const created = await ctx.client.create<KubeObject & { automountServiceAccountToken?: boolean }>(SERVICEACCOUNTS, ctx.namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "e2e-sa-update" } });
      const updated = await ctx.client.update<KubeObject & { automountServiceAccountToken?: boolean }>(SERVICEACCOUNTS, { ...created, automountServiceAccountToken: true });
      assert.equal(updated.automountServiceAccountToken, true);
    },
  },
  {
    codename: "[sig-auth] ServiceAccounts should guarantee kube-root-ca.crt exist in any namespace [Conformance]",
    async run(ctx) {
      const ca = await waitFor("kube-root-ca.crt in the namespace", () => ctx.client.get<KubeObject & { data?: Record<string, string> }>(CONFIGMAPS, ctx.namespace, "kube-root-ca.crt").catch(() => undefined), 10_000);
      assert.match(ca.data?.["ca.crt"] ?? "", /BEGIN CERTIFICATE/);
      await ctx.client.delete(CONFIGMAPS, ctx.namespace, "kube-root-ca.crt");
      await waitFor("kube-root-ca.crt to be recreated", () => ctx.client.get(CONFIGMAPS, ctx.namespace, "kube-root-ca.crt").catch(() => undefined), 10_000);
      await ctx.client.patch(CONFIGMAPS, ctx.namespace, "kube-root-ca.crt", "merge", { data: { "ca.crt": "changed" } });
      await waitFor("kube-root-ca.crt to be reconciled", async () => /BEGIN CERTIFICATE/.test((await ctx.client.get<KubeObject & { data?: Record<string, string> }>(CONFIGMAPS, ctx.namespace, "kube-root-ca.crt")).data?.["ca.crt"] ?? ""), 10_000);
    },
  },
  {
    codename: "[sig-auth] SubjectReview should support SubjectReview API operations [Conformance]",
    async run(ctx) {
      // Upstream: a SubjectAccessReview for a user with no bindings, the same list done as that user
      // (impersonated) agreeing with it, and a LocalSubjectAccessReview giving the same answer.
      const user = `jane-doe-${suffix()}`;
      const spec = { user, resourceAttributes: { verb: "list", resource: "configmaps", namespace: ctx.namespace } };
      type Review = KubeObject & { status: { allowed: boolean; denied?: boolean } };
      const sar = await ctx.client.request<Review>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec } });
      assert.equal(sar.status.allowed, false, "a user with no bindings may not list configmaps");
      const listed = await raw(ctx, "GET", `/api/v1/namespaces/${ctx.namespace}/configmaps`, { headers: { "Impersonate-User": user } });
      assert.equal(listed.status, sar.status.allowed ? 200 : 403, `listing as ${user}: ${listed.text}`);
      const lsar = await ctx.client.request<Review>("POST", `/apis/authorization.k8s.io/v1/namespaces/${ctx.namespace}/localsubjectaccessreviews`, {
        body: { apiVersion: "authorization.k8s.io/v1", kind: "LocalSubjectAccessReview", metadata: { namespace: ctx.namespace }, spec },
      });
      assert.equal(lsar.status.allowed, sar.status.allowed);
      assert.equal(lsar.status.denied ?? false, sar.status.denied ?? false);
    },
  },
  notServed("[sig-storage] CSIInlineVolumes should run through the lifecycle of a CSIDriver [Conformance]", "storage.k8s.io/v1 CSIDriver"),
  notServed("[sig-storage] CSIInlineVolumes should support CSIVolumeSource in Pod API [Conformance]", "storage.k8s.io/v1 CSIDriver (csi volume sources)"),
  notServed("[sig-storage] CSINodes CSI Conformance should run through the lifecycle of a csinode [Conformance]", "storage.k8s.io/v1 CSINode"),
  notServed("[sig-storage] CSIStorageCapacity should support CSIStorageCapacities API operations [Conformance]", "storage.k8s.io/v1 CSIStorageCapacity"),
  notServed("[sig-storage] VolumeAttachment Conformance should apply changes to a volumeattachment status [Conformance]", "storage.k8s.io/v1 VolumeAttachment"),
  notServed("[sig-storage] VolumeAttachment Conformance should run through the lifecycle of a VolumeAttachment [Conformance]", "storage.k8s.io/v1 VolumeAttachment"),
];
