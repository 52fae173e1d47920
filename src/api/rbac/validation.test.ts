import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrorMessage } from "../field-errors.js";
import { defaultBinding, rbacName, validateBinding, validateBindingUpdate, validateClusterRole, validateRole } from "./validation.js";
import type { RoleBinding } from "./types.js";

const msgs = (errs: Parameters<typeof fieldErrorMessage>[0][]) => errs.map(fieldErrorMessage);
const binding = (extra: Partial<RoleBinding>): RoleBinding => ({ metadata: { name: "b" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }, ...extra });

describe("rbac validation", () => {
  test("rbacName refuses only . .. / and %", () => {
    assert.deepEqual(rbacName("system:controller:x"), []);
    assert.deepEqual(rbacName(".."), ["may not be '..'"]);
    assert.deepEqual(rbacName("a/b%"), ["may not contain '/'", "may not contain '%'"]);
  });
  test("validateRole: verbs required, groups and resources required, no URLs in a Role", () => {
    assert.deepEqual(msgs(validateRole({ metadata: {}, rules: [{ verbs: [] }] })), [
      "rules[0].verbs: Required value: verbs must contain at least one value",
      "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
      "rules[0].resources: Required value: resource rules must supply at least one resource",
    ]);
    assert.deepEqual(msgs(validateRole({ metadata: {}, rules: [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }] })), [
      'rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs',
    ]);
  });
  test("validateClusterRole: URLs alone, and an aggregationRule needs a selector", () => {
    assert.deepEqual(validateClusterRole({ metadata: {}, rules: [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }] }), []);
    assert.deepEqual(msgs(validateClusterRole({ metadata: {}, rules: [{ verbs: ["get"], nonResourceURLs: ["/m"], resources: ["pods"] }], aggregationRule: {} })), [
      'rules[0].nonResourceURLs: Invalid value: []string{"/m"}: rules cannot apply to both regular resources and non-resource URLs',
      "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
    ]);
  });
  test("validateBinding: roleRef and subjects as upstream", () => {
    const b = binding({ roleRef: { apiGroup: "", kind: "Thing", name: "" }, subjects: [{ kind: "User", name: "alice", apiGroup: "" }, { kind: "ServiceAccount", name: "Bad_SA", apiGroup: "x" }, { kind: "Robot", name: "r" }] });
    assert.deepEqual(msgs(validateBinding(b, true)), [
      'roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
      "roleRef.name: Required value",
      'subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      "subjects[1].name: Invalid value: \"Bad_SA\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'subjects[1].apiGroup: Unsupported value: "x": supported values: ""',
      'subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]);
  });
  test("validateBinding: a ClusterRoleBinding refers to ClusterRoles and names its ServiceAccounts' namespace", () => {
    const b = binding({ subjects: [{ kind: "ServiceAccount", name: "sa" }] });
    assert.deepEqual(msgs(validateBinding(b, false)), ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', "subjects[0].namespace: Required value"]);
  });
  test("defaultBinding fills the rbac apiGroup of User and Group subjects and of the roleRef", () => {
    const b = { metadata: {}, roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "User", name: "u" }, { kind: "ServiceAccount", name: "s" }] } as unknown as RoleBinding;
    defaultBinding(b);
    assert.deepEqual(validateBinding(b, true), []);
    assert.equal(b.subjects![1]!.apiGroup, undefined);
  });
  test("validateBindingUpdate refuses a changed roleRef", () => {
    assert.deepEqual(msgs(validateBindingUpdate(binding({ roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" } }), binding({}))), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]);
  });
});
