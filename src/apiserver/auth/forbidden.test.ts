import { test } from "node:test";
import assert from "node:assert/strict";
import { forbidden } from "./forbidden.js";
import type { RequestAttributes } from "./types.js";

const base: RequestAttributes = {
  user: { name: "alice", groups: [] }, verb: "list", resourceRequest: true, path: "", apiGroup: "", apiVersion: "v1",
  resource: "pods", subresource: "", namespace: "default", name: "",
};

test("forbidden: a list in a namespace", () => {
  const s = forbidden(base).toStatus();
  assert.equal(s.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
  assert.deepEqual([s.code, s.reason, s.details], [403, "Forbidden", { kind: "pods" }]);
});

test("forbidden: a named object of a group, through a subresource", () => {
  const s = forbidden({ ...base, verb: "get", apiGroup: "apps", resource: "deployments", subresource: "scale", namespace: "shop", name: "web" }).toStatus();
  assert.equal(s.message, 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "shop"');
  assert.deepEqual(s.details, { name: "web", group: "apps", kind: "deployments" });
});

test("forbidden: the cluster scope", () => {
  const s = forbidden({ ...base, resource: "nodes", namespace: "" }).toStatus();
  assert.equal(s.message, 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
});

test("forbidden: a non-resource path", () => {
  const s = forbidden({ ...base, resourceRequest: false, verb: "get", path: "/foo", resource: "", namespace: "" }).toStatus();
  assert.equal(s.message, 'forbidden: User "alice" cannot get path "/foo"');
  assert.deepEqual(s.details, {});
});

test("forbidden: the authorizer's reason follows the message", () => {
  const s = forbidden(base, 'RBAC: role.rbac.authorization.k8s.io "r" not found').toStatus();
  assert.equal(s.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "r" not found');
});
