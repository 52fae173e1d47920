import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "./cluster.js";
import { CLUSTERROLES } from "../client/resources.js";
import type { ClusterRole } from "../api/rbac/types.js";

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("ClusterRoleAggregationController", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c.stop();
  });
  const get = (name: string) => c.client.get<ClusterRole>(CLUSTERROLES, undefined, name);
  const has = (r: ClusterRole, resource: string, verb: string) => (r.rules ?? []).some((x) => x.resources?.includes(resource) && x.verbs.includes(verb));

  test("ClusterRoleAggregationController fills admin, edit and view from the system:aggregate-to-* roles", async () => {
    const view = await until("view's rules", async () => ((await get("view")).rules ?? []).length > 0 ? get("view") : undefined);
    assert.ok(has(view, "pods", "list") && !has(view, "secrets", "get"));
    const admin = await until("admin's rules", async () => { const a = await get("admin"); return has(a, "rolebindings", "create") && has(a, "secrets", "get") && has(a, "pods", "list") ? a : undefined; });
    assert.ok(has(admin, "localsubjectaccessreviews", "create"));
  });

  test("ClusterRoleAggregationController adds a CRD-like aggregate-to-view role to view, edit and admin, and takes it away again", async () => {
    await c.client.create(CLUSTERROLES, undefined, { metadata: { name: "widgets-view", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } }, rules: [{ verbs: ["get"], apiGroups: ["example.io"], resources: ["widgets"] }] });
    for (const name of ["view", "edit", "admin"]) await until(`${name} to gain widgets`, async () => (has(await get(name), "widgets", "get") ? true : undefined));
    await c.client.delete(CLUSTERROLES, undefined, "widgets-view");
    await until("admin to lose widgets", async () => (has(await get("admin"), "widgets", "get") ? undefined : true));
  });
});
