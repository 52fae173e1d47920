import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually, rows } from "./harness.js";

const sar = (user: string, verb: string, namespace: string) => `
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec:
  user: ${user}
  resourceAttributes: {verb: ${verb}, resource: pods, namespace: ${namespace}}
`;

describe("RBAC with kubectl", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated", "--nodes", "0"]);
  });
  after(async () => {
    await c.stop();
  });

  test("kubectl get clusterroles shows the bootstrap policy, and admin/edit/view get their aggregated rules", async () => {
    const out = c.ok(["get", "clusterroles"]);
    assert.match(out, /^NAME\s+CREATED AT/);
    const names = rows(out).slice(1).map((r) => r[0]);
    for (const name of ["cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery", "system:public-info-viewer", "system:node"]) assert.ok(names.includes(name), name);
    assert.match(c.ok(["get", "clusterrolebinding", "cluster-admin", "-o", "wide"]), /cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/);
    await eventually("view to aggregate its rules", () => c.kubectl(["get", "clusterrole", "view", "-o", "jsonpath={.rules[*].resources}"]).stdout.includes("pods"));
  });

  test("kubectl create role and rolebinding; a SubjectAccessReview says yes in the namespace and no elsewhere", async () => {
    assert.match(c.ok(["create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"]), /role.rbac.authorization.k8s.io\/pod-reader created/);
    assert.match(c.ok(["create", "rolebinding", "alice-reads", "--role=pod-reader", "--user=alice"]), /rolebinding.rbac.authorization.k8s.io\/alice-reads created/);
    assert.match(c.ok(["get", "rolebindings", "-o", "wide"]), /alice-reads\s+Role\/pod-reader\s+\S+\s+alice/);
    await eventually("alice may list pods in default", () => c.kubectl(["create", "-f", "-", "-o", "jsonpath={.status.allowed}"], sar("alice", "list", "default")).stdout === "true");
    assert.equal(c.ok(["create", "-f", "-", "-o", "jsonpath={.status.allowed}"], sar("alice", "list", "kube-system")), "false");
    assert.equal(c.ok(["create", "-f", "-", "-o", "jsonpath={.status.allowed}"], sar("alice", "delete", "default")), "false");
  });

  test("kubectl auth can-i and can-i --list answer for the admin", () => {
    assert.equal(c.kubectl(["auth", "can-i", "create", "pods"]).stdout.trim(), "yes");
    assert.equal(c.kubectl(["auth", "can-i", "get", "/healthz"]).stdout.trim(), "yes");
    const list = c.ok(["auth", "can-i", "--list"]);
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    assert.match(list, /\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
  });

  test("kubectl refuses a changed roleRef and a Role with URLs, with upstream's messages", () => {
    const changed = c.kubectl(["create", "rolebinding", "alice-reads", "--clusterrole=view", "--user=alice", "--dry-run=client", "-o", "json"]);
    const replaced = c.kubectl(["replace", "-f", "-"], changed.stdout.replace('"metadata": {', '"metadata": {"resourceVersion": "",'));
    assert.notEqual(replaced.code, 0);
    assert.match(replaced.stderr, /cannot change roleRef/);
    const bad = c.kubectl(["create", "-f", "-"], "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: urls}\nrules: [{verbs: [get], nonResourceURLs: [/metrics]}]\n");
    assert.match(bad.stderr, /rules\[0\]\.nonResourceURLs: Invalid value: \[\]string\{"\/metrics"\}: namespaced rules cannot apply to non-resource URLs/);
  });
});
