import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";

const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const TABLE = { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };

describe("rbac kinds", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  test("roleStrategy accepts an RBAC name with colons and refuses URLs in a Role (422 with upstream's cause)", async () => {
    const ok = await t.call("POST", `${RBAC}/namespaces/default/roles`, { metadata: { name: "system:reader" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const bad = await t.call("POST", `${RBAC}/namespaces/default/roles`, { metadata: { name: "r" }, rules: [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }] });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.message, 'The Role "r" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs');
  });

  test("roleBindingStrategy defaults subjects' apiGroup, allows a missing role, and keeps roleRef immutable", async () => {
    const rb = { metadata: { name: "rb" }, roleRef: { kind: "ClusterRole", name: "nowhere", apiGroup: "rbac.authorization.k8s.io" }, subjects: [{ kind: "User", name: "alice" }] };
    const created = await t.call("POST", `${RBAC}/namespaces/default/rolebindings`, rb);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.subjects, [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }]);
    const changed = await t.call("PUT", `${RBAC}/namespaces/default/rolebindings/rb`, { ...created.body, roleRef: { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" } });
    assert.equal(changed.status, 422);
    assert.match(String(changed.body.message), /roleRef: Invalid value: rbac.RoleRef\{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"\}: cannot change roleRef$/);
  });

  test("clusterRoleBindingStrategy requires a ServiceAccount subject's namespace", async () => {
    const r = await t.call("POST", `${RBAC}/clusterrolebindings`, { metadata: { name: "crb" }, roleRef: { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" }, subjects: [{ kind: "ServiceAccount", name: "sa" }] });
    assert.equal(r.status, 422);
    assert.match(String(r.body.message), /subjects\[0\]\.namespace: Required value/);
  });

  test("roleTable and roleBindingTable show kubectl's columns", async () => {
    await t.call("POST", `${RBAC}/clusterroles`, { metadata: { name: "reader" }, rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }] });
    const roles = await t.call("GET", `${RBAC}/clusterroles`, undefined, TABLE);
    assert.deepEqual((roles.body.columnDefinitions as Array<{ name: string }>).map((c) => c.name), ["Name", "Created At"]);
    await t.call("POST", `${RBAC}/clusterrolebindings`, { metadata: { name: "readers" }, roleRef: { kind: "ClusterRole", name: "reader", apiGroup: "rbac.authorization.k8s.io" },
      subjects: [{ kind: "User", name: "a" }, { kind: "User", name: "b" }, { kind: "Group", name: "g" }, { kind: "ServiceAccount", name: "sa", namespace: "ns" }] });
    const bindings = await t.call("GET", `${RBAC}/clusterrolebindings/readers`, undefined, TABLE);
    assert.deepEqual((bindings.body.columnDefinitions as Array<{ name: string }>).map((c) => c.name), ["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"]);
    const cells = (bindings.body.rows as Array<{ cells: unknown[] }>)[0]!.cells;
    assert.deepEqual([cells[0], cells[1], cells[3], cells[4], cells[5]], ["readers", "ClusterRole/reader", "a, b", "g", "ns/sa"]);
  });
});
