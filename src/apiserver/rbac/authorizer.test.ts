import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";
import type { RequestAttributes, UserInfo } from "../auth/types.js";

const G = "rbac.authorization.k8s.io";
const alice: UserInfo = { name: "alice", groups: ["system:authenticated"] };
const attrs = (user: UserInfo, verb: string, resource: string, namespace = "", extra: Partial<RequestAttributes> = {}): RequestAttributes =>
  ({ user, verb, resourceRequest: true, path: "", apiGroup: "", apiVersion: "v1", resource, subresource: "", namespace, name: "", ...extra });

/** Polls until `probe` holds: the cache follows the store through a watch. */
async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("RbacAuthorizer", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  const create = (plural: string, namespace: string | undefined, obj: Record<string, unknown>) => t.server.restFor(G, plural).create(namespace, obj as never);
  const allowed = (a: RequestAttributes) => t.server.rbac.authorizer.authorize(a).decision === "allow";
  before(async () => {
    t = await startTestServer();
    await create("roles", "default", { metadata: { name: "pod-reader" }, rules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }] });
    await create("rolebindings", "default", { metadata: { name: "alice-reads" }, roleRef: { apiGroup: G, kind: "Role", name: "pod-reader" }, subjects: [{ kind: "User", name: "alice" }] });
    await until("alice's binding", () => allowed(attrs(alice, "list", "pods", "default")));
  });
  after(async () => {
    await t.close();
  });

  test("RbacAuthorizer allows through a RoleBinding in its namespace only, naming the binding", () => {
    const d = t.server.rbac.authorizer.authorize(attrs(alice, "get", "pods", "default", { name: "p" }));
    assert.deepEqual(d, { decision: "allow", reason: 'RBAC: allowed by RoleBinding "alice-reads/default" of Role "pod-reader" to User "alice"' });
    assert.equal(allowed(attrs(alice, "get", "pods", "kube-system")), false);
    assert.equal(allowed(attrs(alice, "delete", "pods", "default")), false);
    assert.equal(allowed(attrs(alice, "get", "pods", "default", { subresource: "log" })), false);
  });

  test("RbacAuthorizer: a ClusterRoleBinding grants in every namespace and cluster-wide; groups match", async () => {
    await create("clusterroles", undefined, { metadata: { name: "node-reader" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["nodes", "configmaps"] }] });
    await create("clusterrolebindings", undefined, { metadata: { name: "devs-read-nodes" }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "node-reader" }, subjects: [{ kind: "Group", name: "devs" }] });
    const bob: UserInfo = { name: "bob", groups: ["devs"] };
    await until("the group binding", () => allowed(attrs(bob, "get", "nodes")));
    assert.equal(allowed(attrs(bob, "get", "configmaps", "any-namespace")), true);
    assert.equal(allowed(attrs({ name: "bob", groups: [] }, "get", "nodes")), false);
  });

  test("RbacAuthorizer: a RoleBinding to a ClusterRole grants it in the binding's namespace; ServiceAccounts by their user name", async () => {
    await t.server.restFor("", "namespaces").create(undefined, { metadata: { name: "team" } });
    await create("rolebindings", "team", { metadata: { name: "sa-view" }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "node-reader" }, subjects: [{ kind: "ServiceAccount", name: "robot" }] });
    const robot: UserInfo = { name: "system:serviceaccount:team:robot", groups: ["system:serviceaccounts", "system:serviceaccounts:team"] };
    await until("the service account binding", () => allowed(attrs(robot, "get", "configmaps", "team")));
    assert.equal(allowed(attrs(robot, "get", "configmaps", "default")), false);
    assert.equal(allowed(attrs({ name: "system:serviceaccount:other:robot", groups: [] }, "get", "configmaps", "team")), false);
  });

  test("RbacAuthorizer: a binding to a missing role grants nothing and says so in the reason", async () => {
    await create("clusterrolebindings", undefined, { metadata: { name: "ghost" }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "ghost-role" }, subjects: [{ kind: "User", name: "carol" }] });
    await create("rolebindings", "default", { metadata: { name: "ghost" }, roleRef: { apiGroup: G, kind: "Role", name: "ghost-role" }, subjects: [{ kind: "User", name: "carol" }] });
    const carol: UserInfo = { name: "carol", groups: [] };
    await until("carol's bindings", () => (t.server.rbac.authorizer.authorize(attrs(carol, "get", "pods", "default")).reason ?? "").includes("role.rbac"));
    assert.deepEqual(t.server.rbac.authorizer.authorize(attrs(carol, "get", "pods", "default")), {
      decision: "no-opinion", reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost-role" not found, role.rbac.authorization.k8s.io "ghost-role" not found]',
    });
    assert.deepEqual(t.server.rbac.authorizer.authorize(attrs(carol, "get", "pods")), { decision: "no-opinion", reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost-role" not found' });
  });

  test("RbacAuthorizer follows deletes and the bootstrap bindings apply (basic-user, discovery, public-info-viewer)", async () => {
    await t.server.restFor(G, "rolebindings").removeNow("default", "alice-reads");
    await until("the binding's removal", () => !allowed(attrs(alice, "list", "pods", "default")));
    assert.equal(allowed(attrs(alice, "create", "selfsubjectaccessreviews", "", { apiGroup: "authorization.k8s.io" })), true);
    assert.equal(allowed({ ...attrs(alice, "get", ""), resourceRequest: false, path: "/apis/apps/v1" }), true);
    assert.equal(allowed({ ...attrs({ name: "system:anonymous", groups: ["system:unauthenticated"] }, "get", ""), resourceRequest: false, path: "/version" }), true);
    assert.equal(allowed({ ...attrs({ name: "system:anonymous", groups: ["system:unauthenticated"] }, "get", ""), resourceRequest: false, path: "/api" }), false);
    assert.equal(allowed(attrs({ name: "root", groups: ["system:masters"] }, "delete", "nodes")), true);
  });

  test("RbacAuthorizer.rulesFor lists the rules of cluster-wide and namespace bindings", () => {
    const { rules, errors } = t.server.rbac.authorizer.rulesFor({ name: "carol", groups: ["devs"] }, "default");
    assert.deepEqual(rules, [{ verbs: ["get"], apiGroups: [""], resources: ["nodes", "configmaps"] }]);
    assert.equal(errors.length, 2);
  });
});
