import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { PODS, SERVICES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { NAMESPACES, dropNamespace, isRunning, suffix, waitForPod, webPod } from "../core-kit.js";

/** Upstream's test/e2e/apimachinery/namespace.go. Each case works on namespaces of its own. */

interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

async function withNamespace(ctx: ConformanceContext, prefix: string, body: (name: string) => Promise<void>): Promise<void> {
  const name = `${prefix}-${suffix()}`;
  await ctx.client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  try {
    await body(name);
  } finally {
    await dropNamespace(ctx, name).catch(() => {});
  }
}

/** Deletes a namespace holding one object, waits until it is gone, recreates it, and finds it empty. */
async function deletionEmpties(ctx: ConformanceContext, kind: "pods" | "services"): Promise<void> {
  await withNamespace(ctx, `nsdeletetest-${kind}`, async (ns) => {
    if (kind === "pods") {
      await ctx.client.create(PODS, ns, webPod("test-pod", { app: "nsdelete" }));
      await waitForPod(ctx, "test-pod", "to run", isRunning, 30_000, ns);
    } else {
      await ctx.client.create(SERVICES, ns, { apiVersion: "v1", kind: "Service", metadata: { name: "test-service" }, spec: { selector: { foo: "bar" }, ports: [{ port: 80, targetPort: 80 }] } });
    }
    await dropNamespace(ctx, ns);
    await ctx.client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const left = await ctx.client.list(kind === "pods" ? PODS : SERVICES, ns);
    assert.deepEqual(left.items.map((i) => i.metadata.name), [], `the recreated namespace has no ${kind}`);
  });
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-api-machinery] Namespaces [Serial] should ensure that all pods are removed when a namespace is deleted [Conformance]",
    run: (ctx) => deletionEmpties(ctx, "pods"),
  },
  {
    codename: "[sig-api-machinery] Namespaces [Serial] should ensure that all services are removed when a namespace is deleted [Conformance]",
    run: (ctx) => deletionEmpties(ctx, "services"),
  },
  {
    codename: "[sig-api-machinery] Namespaces [Serial] should patch a Namespace [Conformance]",
    run: (ctx) =>
      withNamespace(ctx, "nspatchtest", async (ns) => {
        await ctx.client.patch(NAMESPACES, undefined, ns, "strategic", { metadata: { labels: { testLabel: "testValue" } } });
        const got = await ctx.client.get(NAMESPACES, undefined, ns);
        assert.equal(got.metadata.labels?.testLabel, "testValue");
      }),
  },
  {
    codename: "[sig-api-machinery] Namespaces [Serial] should apply changes to a namespace status [Conformance]",
    run: (ctx) =>
      withNamespace(ctx, "e2e-ns", async (ns) => {
        const status = await ctx.client.request<Namespace>("GET", `/api/v1/namespaces/${ns}/status`);
        assert.equal(status.status?.phase, "Active");
        const patched = await ctx.client.patch<Namespace>(NAMESPACES, undefined, ns, "merge", {
          metadata: { annotations: { "e2e-patched-ns-status": ns } },
          status: { conditions: [{ type: "StatusPatch", status: "True", reason: "E2E", message: "Patched by an e2e test" }] },
        }, "status");
        assert.equal(patched.metadata.annotations?.["e2e-patched-ns-status"], ns, "the status patch keeps the annotation");
        assert.ok(patched.status?.conditions?.some((c) => c.type === "StatusPatch" && c.reason === "E2E"), "the patched condition");
        const current = await ctx.client.request<Namespace>("GET", `/api/v1/namespaces/${ns}/status`);
        current.status!.conditions = [...(current.status?.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Updated by an e2e test" }];
        const updated = await ctx.client.update<Namespace>(NAMESPACES, current, "status");
        assert.ok(updated.status?.conditions?.some((c) => c.type === "StatusUpdate" && c.message === "Updated by an e2e test"), "the updated condition");
      }),
  },
  {
    codename: "[sig-api-machinery] Namespaces [Serial] should apply an update to a Namespace [Conformance]",
    run: (ctx) =>
      withNamespace(ctx, "e2e-ns-update", async (ns) => {
        const got = await ctx.client.get(NAMESPACES, undefined, ns);
        got.metadata.labels = { ...got.metadata.labels, [`e2e-ns-${ns}`]: "updated" };
        const updated = await ctx.client.update(NAMESPACES, got);
        assert.equal(updated.metadata.labels?.[`e2e-ns-${ns}`], "updated");
      }),
  },
  {
    codename: "[sig-api-machinery] Namespaces [Serial] should apply a finalizer to a Namespace [Conformance]",
    run: (ctx) =>
      withNamespace(ctx, "e2e-ns-finalize", async (ns) => {
        const fake = "e2e.example.com/fakeFinalizer";
        const got = await ctx.client.get<Namespace>(NAMESPACES, undefined, ns);
        got.spec = { finalizers: [...(got.spec?.finalizers ?? []), fake] };
        const added = await ctx.client.update<Namespace>(NAMESPACES, got, "finalize");
        assert.ok(added.spec?.finalizers?.includes(fake), `finalizers after adding: ${JSON.stringify(added.spec?.finalizers)}`);
        added.spec = { finalizers: added.spec!.finalizers!.filter((f) => f !== fake) };
        const removed = await ctx.client.update<Namespace>(NAMESPACES, added, "finalize");
        assert.ok(!removed.spec?.finalizers?.includes(fake), `finalizers after removing: ${JSON.stringify(removed.spec?.finalizers)}`);
        assert.ok(removed.spec?.finalizers?.includes("kubernetes"), "the kubernetes finalizer stays");
      }),
  },
];
