import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";

const A = "/apis/authorization.k8s.io/v1";
const G = "rbac.authorization.k8s.io";
type Json = Record<string, unknown>;

describe("authorization reviews", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  const sar = (spec: Json) => t.call("POST", `${A}/subjectaccessreviews`, { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec });
  before(async () => {
    t = await startTestServer();
    await t.call("POST", `/apis/${G}/v1/namespaces/default/rolebindings`, { metadata: { name: "alice-view" }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "system:aggregate-to-view" }, subjects: [{ kind: "User", name: "alice" }] });
    const deadline = Date.now() + 5000;
    while (!((await sar({ user: "alice", resourceAttributes: { verb: "list", resource: "pods", namespace: "default" } })).body.status as Json).allowed) {
      if (Date.now() > deadline) throw new Error("alice's binding never applied");
    }
  });
  after(async () => {
    await t.close();
  });

  test("SubjectAccessReview answers for the user in the spec, with RBAC's reason", async () => {
    const yes = await sar({ user: "alice", resourceAttributes: { verb: "get", resource: "pods", subresource: "log", namespace: "default" } });
    assert.equal(yes.status, 201);
    assert.deepEqual(yes.body.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "system:aggregate-to-view" to User "alice"' });
    assert.deepEqual((await sar({ user: "alice", resourceAttributes: { verb: "get", resource: "secrets", namespace: "default" } })).body.status, { allowed: false });
    assert.deepEqual((await sar({ user: "x", groups: ["system:masters"], resourceAttributes: { verb: "delete", resource: "nodes" } })).body.status, { allowed: true });
    assert.deepEqual(((await sar({ user: "x", groups: ["system:authenticated"], nonResourceAttributes: { verb: "get", path: "/healthz" } })).body.status as Json).allowed, true);
  });

  test("SubjectAccessReview validation: one kind of attributes, a user or a group, no metadata", async () => {
    const r = await t.call("POST", `${A}/subjectaccessreviews`, { metadata: { name: "x" }, spec: { resourceAttributes: { verb: "get" }, nonResourceAttributes: { verb: "get", path: "/x" } } });
    assert.equal(r.status, 422);
    assert.equal(r.body.message, 'The SubjectAccessReview "" is invalid: [spec.nonResourceAttributes: Invalid value: &authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: cannot be specified in combination with resourceAttributes, '
      + 'spec.user: Invalid value: "": at least one of user or group must be specified, metadata: Invalid value: v1.ObjectMeta{Name:"x", Namespace:""}: must be empty]');
  });

  test("LocalSubjectAccessReview must name its own namespace and no URLs", async () => {
    const ok = await t.call("POST", `${A}/namespaces/default/localsubjectaccessreviews`, { spec: { user: "alice", resourceAttributes: { verb: "list", resource: "pods", namespace: "default" } } });
    assert.equal(ok.status, 201);
    assert.equal((ok.body.status as Json).allowed, true);
    assert.equal((ok.body.metadata as Json).namespace, "default");
    const other = await t.call("POST", `${A}/namespaces/default/localsubjectaccessreviews`, { spec: { user: "alice", resourceAttributes: { verb: "list", resource: "pods", namespace: "kube-system" } } });
    assert.equal(other.status, 422);
    assert.match(String(other.body.message), /spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace/);
    const wrongNs = await t.call("POST", `${A}/namespaces/default/localsubjectaccessreviews`, { metadata: { namespace: "other" }, spec: { user: "a", resourceAttributes: {} } });
    assert.equal(wrongNs.status, 400);
  });

  test("SelfSubjectAccessReview and SelfSubjectRulesReview answer for the requester (in-process: the privileged loopback user)", async () => {
    const self = await t.call("POST", `${A}/selfsubjectaccessreviews`, { metadata: { creationTimestamp: null }, spec: { resourceAttributes: { verb: "create", resource: "pods", namespace: "default" } } });
    assert.equal(self.status, 201);
    assert.deepEqual(self.body.status, { allowed: true });
    const rules = await t.call("POST", `${A}/selfsubjectrulesreviews`, { spec: { namespace: "default" } });
    assert.equal(rules.status, 201);
    // The loopback user is in system:masters (everything) and, as every authenticated user, system:authenticated.
    const status = rules.body.status as { resourceRules: object[]; nonResourceRules: object[]; incomplete: boolean };
    assert.deepEqual(status.resourceRules[0], { verbs: ["*"], apiGroups: ["*"], resources: ["*"] });
    assert.deepEqual(status.nonResourceRules[0], { verbs: ["*"], nonResourceURLs: ["*"] });
    assert.equal(status.incomplete, false);
    const noNs = await t.call("POST", `${A}/selfsubjectrulesreviews`, { spec: {} });
    assert.deepEqual([noNs.status, noNs.body.message], [400, "no namespace on request"]);
  });

  test("authorization reviews are create-only, refuse a Table, and say 400 for a malformed body", async () => {
    assert.equal((await t.call("GET", `${A}/selfsubjectaccessreviews`)).status, 405);
    const table = await t.call("POST", `${A}/selfsubjectaccessreviews`, { spec: { resourceAttributes: { verb: "get" } } }, { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    assert.equal(table.status, 406);
    assert.equal((await t.call("POST", `${A}/subjectaccessreviews`, { spec: { resourceAttributes: "pods" } })).status, 400);
    assert.equal((await t.call("POST", `${A}/subjectaccessreviews`, "[1]")).status, 400);
  });
});
