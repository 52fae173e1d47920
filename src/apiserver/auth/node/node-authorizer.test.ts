import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../api/types.js";
import type { RequestAttributes } from "../types.js";
import { NodeGraph } from "./graph.js";
import { NodeAuthorizer, nodeIdentity } from "./node-authorizer.js";

const graph = new NodeGraph();
graph.podHandlers.put({
  apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "app" },
  spec: { nodeName: "n1", serviceAccountName: "web", volumes: [{ name: "s", secret: { secretName: "tls" } }], containers: [{ name: "c", image: "i" }] },
} as KubeObject);
graph.podHandlers.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "db", namespace: "app" }, spec: { nodeName: "n2", containers: [{ name: "c", image: "i" }] } } as KubeObject);
const authz = new NodeAuthorizer(graph);
const n1 = { name: "system:node:n1", groups: ["system:nodes", "system:authenticated"] };

function ask(partial: Partial<RequestAttributes>, user = n1): string {
  const a: RequestAttributes = { user, verb: "get", resourceRequest: true, path: "", apiGroup: "", apiVersion: "v1", resource: "", subresource: "", namespace: "", name: "", ...partial };
  return authz.authorize(a).decision;
}

test("nodeIdentity: system:node:<name> in system:nodes; the group with another name is an unknown node", () => {
  assert.equal(nodeIdentity(n1), "n1");
  assert.equal(nodeIdentity({ name: "system:node:n1", groups: [] }), undefined);
  assert.equal(nodeIdentity({ name: "alice", groups: ["system:nodes"] }), "");
  assert.equal(ask({ resource: "pods" }, { name: "alice", groups: ["system:nodes"] }), "deny");
});

test("NodeAuthorizer: Secrets, ConfigMaps and tokens only of its own pods, one object at a time", () => {
  assert.equal(ask({ resource: "secrets", namespace: "app", name: "tls" }), "allow");
  assert.equal(ask({ resource: "secrets", namespace: "app", name: "tls", verb: "watch" }), "allow", "a watch of that one object (fieldSelector metadata.name)");
  assert.equal(ask({ resource: "secrets", namespace: "app", name: "other" }), "no-opinion");
  assert.equal(ask({ resource: "secrets", namespace: "app", verb: "list" }), "no-opinion", "not every secret");
  assert.equal(ask({ resource: "secrets", namespace: "app", name: "tls", verb: "update" }), "no-opinion");
  assert.equal(ask({ resource: "secrets", namespace: "app", name: "tls" }, { name: "system:node:n2", groups: ["system:nodes"] }), "no-opinion");
  assert.equal(ask({ resource: "serviceaccounts", subresource: "token", namespace: "app", name: "web", verb: "create" }), "allow");
  assert.equal(ask({ resource: "serviceaccounts", subresource: "token", namespace: "app", name: "admin", verb: "create" }), "no-opinion");
});

test("NodeAuthorizer: its own pods' status and deletion, its own Node and Lease; the rest as upstream's node rules", () => {
  assert.equal(ask({ resource: "pods", subresource: "status", namespace: "app", name: "web", verb: "patch" }), "allow");
  assert.equal(ask({ resource: "pods", subresource: "status", namespace: "app", name: "db", verb: "patch" }), "no-opinion");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "web", verb: "delete" }), "allow");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "db", verb: "delete" }), "no-opinion");
  assert.equal(ask({ resource: "pods", subresource: "status", namespace: "app", name: "gone", verb: "patch" }), "allow", "no such pod: the rules decide, the store says 404");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "web", verb: "update" }), "no-opinion");
  assert.equal(ask({ resource: "nodes", name: "n1", verb: "patch", subresource: "status" }), "allow");
  assert.equal(ask({ resource: "nodes", name: "n2", verb: "patch", subresource: "status" }), "no-opinion");
  assert.equal(ask({ apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n1", verb: "update" }), "allow");
  assert.equal(ask({ apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n2", verb: "update" }), "no-opinion");
  assert.equal(ask({ resource: "services", verb: "watch" }), "allow");
  assert.equal(ask({ resource: "namespaces", verb: "delete", name: "app" }), "no-opinion");
  assert.equal(ask({ apiGroup: "apps", resource: "deployments", verb: "list" }), "no-opinion");
  assert.equal(ask({ resource: "pods" }, { name: "alice", groups: ["system:authenticated"] }), "no-opinion", "not a node: not its business");
});

test("NodeAuthorizer with selectors (1.32's AuthorizeNodeWithSelectors): pods listed or watched only by spec.nodeName=<itself>, read only when bound to it", () => {
  assert.equal(ask({ resource: "pods", verb: "list", fieldSelector: "spec.nodeName=n1" }), "allow");
  assert.equal(ask({ resource: "pods", verb: "watch", fieldSelector: "status.phase!=Succeeded, spec.nodeName==n1" }), "allow");
  assert.equal(ask({ resource: "pods", verb: "list" }), "no-opinion");
  assert.equal(authz.authorize({ user: n1, verb: "list", resourceRequest: true, path: "", apiGroup: "", apiVersion: "v1", resource: "pods", subresource: "", namespace: "", name: "" }).reason, "can only list/watch pods with spec.nodeName field selector");
  assert.equal(ask({ resource: "pods", verb: "watch", fieldSelector: "spec.nodeName=n2" }), "no-opinion");
  assert.equal(ask({ resource: "pods", verb: "list", fieldSelector: "spec.nodeName!=n1" }), "no-opinion");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "web" }), "allow", "get of its own pod");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "db" }), "no-opinion", "get of another node's pod");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "web", verb: "watch" }), "allow", "watch of its own pod by name");
  assert.equal(ask({ resource: "pods", namespace: "app", name: "web", verb: "create" }), "allow", "mirror pods: NodeRestriction decides");
});

test("NodeAuthorizer with selectors: a node reads only its own Node, even before it exists", () => {
  assert.equal(ask({ resource: "nodes", name: "n1" }), "allow");
  assert.equal(ask({ resource: "nodes", name: "n1", verb: "watch" }), "allow", "watch by metadata.name");
  assert.equal(ask({ resource: "nodes", name: "n2" }), "no-opinion");
  assert.equal(authz.authorize({ user: n1, verb: "list", resourceRequest: true, path: "", apiGroup: "", apiVersion: "v1", resource: "nodes", subresource: "", namespace: "", name: "" }).reason, "node 'n1' cannot read all nodes, only its own Node object");
  assert.equal(ask({ resource: "nodes", name: "n9", verb: "create" }), "allow", "creating its Node: NodeRestriction checks the name");
});
