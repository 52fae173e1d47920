import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";
import { withUser } from "../auth/context.js";
import type { UserInfo } from "../auth/types.js";

const G = "rbac.authorization.k8s.io";
const alice: UserInfo = { name: "alice", groups: ["system:authenticated"] };
const podReader = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("escalationAdmission", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  const rest = (plural: string) => t.server.restFor(G, plural);
  const as = <T>(user: UserInfo, fn: () => Promise<T>) => withUser(user, fn);
  const rejection = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as { code: number; message: string };
    }
    return assert.fail("expected a rejection");
  };
  const holds = (user: UserInfo, verb: string, resource: string, namespace: string) =>
    t.server.rbac.authorizer.authorize({ user, verb, resourceRequest: true, path: "", apiGroup: G, apiVersion: "v1", resource, subresource: "", namespace, name: "" }).decision === "allow";

  before(async () => {
    t = await startTestServer();
    // alice may write roles and rolebindings in default (the admin role's RBAC rule) and read pods there.
    await rest("roles").create("default", { metadata: { name: "rbac-writer" }, rules: [{ verbs: ["get", "list", "create", "update", "patch", "delete"], apiGroups: [G], resources: ["roles", "rolebindings"] }, podReader] } as never);
    await rest("rolebindings").create("default", { metadata: { name: "alice" }, roleRef: { apiGroup: G, kind: "Role", name: "rbac-writer" }, subjects: [{ kind: "User", name: "alice" }] } as never);
    await until("alice's binding", () => holds(alice, "create", "roles", "default"));
  });
  after(async () => {
    await t.close();
  });

  test("escalationAdmission lets a user create a Role with rules she holds", async () => {
    await as(alice, () => rest("roles").create("default", { metadata: { name: "readers" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] } as never));
  });

  test("escalationAdmission refuses a Role granting more, with upstream's 403 message", async () => {
    const err = await rejection(as(alice, () => rest("roles").create("default", { metadata: { name: "more" }, rules: [{ verbs: ["get", "delete"], apiGroups: [""], resources: ["pods", "secrets"] }] } as never)));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'roles.rbac.authorization.k8s.io "more" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
      + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}');
  });

  test("escalationAdmission checks updates too", async () => {
    const role = await rest("roles").get("default", "readers");
    const err = await rejection(as(alice, () => rest("roles").update("default", "readers", { ...role, rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }] } as never)));
    assert.equal(err.code, 403);
  });

  test("escalationAdmission lets an update that only changes finalizers or owner references through", async () => {
    await rest("roles").create("default", { metadata: { name: "wide" }, rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }] } as never);
    const wide = await rest("roles").get("default", "wide");
    await as(alice, () => rest("roles").update("default", "wide", { ...wide, metadata: { ...wide.metadata, finalizers: ["example.com/hold"] } } as never));
    const held = await rest("roles").get("default", "wide");
    assert.deepEqual(held.metadata.finalizers, ["example.com/hold"]);
    const err = await rejection(as(alice, () => rest("roles").update("default", "wide", { ...held, metadata: { ...held.metadata, labels: { a: "b" } } } as never)));
    assert.equal(err.code, 403);
  });

  test("escalationAdmission: binding needs the role's rules, or bind on it; a missing role is forbidden", async () => {
    const binding = (name: string, role: string, kind = "ClusterRole") => ({ metadata: { name }, roleRef: { apiGroup: G, kind, name: role }, subjects: [{ kind: "User", name: "bob" }] });
    await as(alice, () => rest("rolebindings").create("default", binding("bob-reads", "readers", "Role") as never));
    const err = await rejection(as(alice, () => rest("rolebindings").create("default", binding("bob-admin", "cluster-admin") as never)));
    assert.equal(err.code, 403);
    assert.match(err.message, /^rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "alice" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}\n\{NonResourceURLs:\["\*"\], Verbs:\["\*"\]\}$/);
    const missing = await rejection(as(alice, () => rest("rolebindings").create("default", binding("bob-ghost", "ghost") as never)));
    assert.equal(missing.message, 'rolebindings.rbac.authorization.k8s.io "bob-ghost" is forbidden: clusterrole.rbac.authorization.k8s.io "ghost" not found');
    // With bind on cluster-admin, she may bind it in her namespace (not hold it).
    await rest("roles").create("default", { metadata: { name: "binder" }, rules: [{ verbs: ["bind"], apiGroups: [G], resources: ["clusterroles"], resourceNames: ["cluster-admin"] }] } as never);
    await rest("rolebindings").create("default", { metadata: { name: "alice-binds" }, roleRef: { apiGroup: G, kind: "Role", name: "binder" }, subjects: [{ kind: "User", name: "alice" }] } as never);
    await until("the bind permission", () => t.server.rbac.authorizer.authorize({ user: alice, verb: "bind", resourceRequest: true, path: "", apiGroup: G, apiVersion: "v1", resource: "clusterroles", subresource: "", namespace: "default", name: "cluster-admin" }).decision === "allow");
    await as(alice, () => rest("rolebindings").create("default", binding("bob-admin", "cluster-admin") as never));
  });

  test("escalationAdmission: escalate on roles lets a user write any rules", async () => {
    await rest("roles").create("default", { metadata: { name: "escalator" }, rules: [{ verbs: ["escalate"], apiGroups: [G], resources: ["roles"] }] } as never);
    await rest("rolebindings").create("default", { metadata: { name: "alice-escalates" }, roleRef: { apiGroup: G, kind: "Role", name: "escalator" }, subjects: [{ kind: "User", name: "alice" }] } as never);
    await until("the escalate permission", () => holds(alice, "escalate", "roles", "default"));
    await as(alice, () => rest("roles").create("default", { metadata: { name: "anything" }, rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }] } as never));
  });

  test("escalationAdmission skips system:masters and in-process callers, and refuses an aggregationRule to others", async () => {
    await as({ name: "root", groups: ["system:masters"] }, () => rest("clusterroles").create(undefined, { metadata: { name: "agg" }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } } as never));
    await rest("clusterroles").create(undefined, { metadata: { name: "agg2" }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } } as never);
    await rest("clusterroles").create(undefined, { metadata: { name: "cr-writer" }, rules: [{ verbs: ["create"], apiGroups: [G], resources: ["clusterroles"] }] } as never);
    await rest("clusterrolebindings").create(undefined, { metadata: { name: "dave" }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "cr-writer" }, subjects: [{ kind: "User", name: "dave" }] } as never);
    const dave: UserInfo = { name: "dave", groups: [] };
    await until("dave's binding", () => holds(dave, "create", "clusterroles", ""));
    const err = await rejection(as(dave, () => rest("clusterroles").create(undefined, { metadata: { name: "agg3" }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } } as never)));
    assert.equal(err.message, 'clusterroles.rbac.authorization.k8s.io "agg3" is forbidden: must have cluster-admin privileges to use the aggregationRule');
  });
});
