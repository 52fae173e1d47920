import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compactString, ruleAllows, type RuleRequest } from "./rules.js";
import { covers } from "./covers.js";
import type { PolicyRule } from "./types.js";

const res = (verb: string, apiGroup: string, resource: string, extra: Partial<RuleRequest> = {}): RuleRequest =>
  ({ verb, resourceRequest: true, path: "", apiGroup, resource, subresource: "", name: "", ...extra });
const url = (verb: string, path: string): RuleRequest => ({ verb, resourceRequest: false, path, apiGroup: "", resource: "", subresource: "", name: "" });

const cases: Array<{ name: string; rule: PolicyRule; req: RuleRequest; allowed: boolean }> = [
  { name: "exact verb, group and resource", rule: { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, req: res("get", "", "pods"), allowed: true },
  { name: "other verb", rule: { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, req: res("list", "", "pods"), allowed: false },
  { name: "verb star", rule: { verbs: ["*"], apiGroups: [""], resources: ["pods"] }, req: res("deletecollection", "", "pods"), allowed: true },
  { name: "other group", rule: { verbs: ["get"], apiGroups: [""], resources: ["deployments"] }, req: res("get", "apps", "deployments"), allowed: false },
  { name: "group star", rule: { verbs: ["get"], apiGroups: ["*"], resources: ["deployments"] }, req: res("get", "apps", "deployments"), allowed: true },
  { name: "resource star covers subresources", rule: { verbs: ["get"], apiGroups: [""], resources: ["*"] }, req: res("get", "", "pods", { subresource: "log" }), allowed: true },
  { name: "resource does not cover its subresource", rule: { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, req: res("get", "", "pods", { subresource: "log" }), allowed: false },
  { name: "exact subresource", rule: { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }, req: res("get", "", "pods", { subresource: "log" }), allowed: true },
  { name: "subresource does not cover the resource", rule: { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }, req: res("get", "", "pods"), allowed: false },
  { name: "star/subresource", rule: { verbs: ["update"], apiGroups: ["*"], resources: ["*/scale"] }, req: res("update", "apps", "deployments", { subresource: "scale" }), allowed: true },
  { name: "star/subresource is not a resource named so", rule: { verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"] }, req: res("get", "", "scale"), allowed: false },
  { name: "star/subresource needs the same subresource", rule: { verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"] }, req: res("get", "", "pods", { subresource: "status" }), allowed: false },
  { name: "star/subresource of a longer name", rule: { verbs: ["get"], apiGroups: ["*"], resources: ["*/scale"] }, req: res("get", "", "pods", { subresource: "rescale" }), allowed: false },
  { name: "resourceNames: the named object", rule: { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, req: res("get", "", "configmaps", { name: "a" }), allowed: true },
  { name: "resourceNames: another object", rule: { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, req: res("get", "", "configmaps", { name: "b" }), allowed: false },
  { name: "resourceNames never match a list", rule: { verbs: ["list"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, req: res("list", "", "configmaps"), allowed: false },
  { name: "resourceNames never match a create without name", rule: { verbs: ["create"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, req: res("create", "", "configmaps"), allowed: false },
  { name: "resourceNames never match a deletecollection", rule: { verbs: ["deletecollection"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, req: res("deletecollection", "", "configmaps"), allowed: false },
  { name: "no names: any object", rule: { verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }, req: res("get", "", "configmaps", { name: "z" }), allowed: true },
  { name: "resource rule never matches a URL", rule: { verbs: ["get"], apiGroups: ["*"], resources: ["*"] }, req: url("get", "/healthz"), allowed: false },
  { name: "URL exact", rule: { verbs: ["get"], nonResourceURLs: ["/healthz"] }, req: url("get", "/healthz"), allowed: true },
  { name: "URL exact is not a prefix", rule: { verbs: ["get"], nonResourceURLs: ["/healthz"] }, req: url("get", "/healthz/ping"), allowed: false },
  { name: "URL trailing star is a prefix", rule: { verbs: ["get"], nonResourceURLs: ["/healthz/*"] }, req: url("get", "/healthz/ping"), allowed: true },
  { name: "URL trailing star without the slash", rule: { verbs: ["get"], nonResourceURLs: ["/api*"] }, req: url("get", "/apis/apps"), allowed: true },
  { name: "URL star alone", rule: { verbs: ["*"], nonResourceURLs: ["*"] }, req: url("post", "/anything"), allowed: true },
  { name: "URL rule, other verb", rule: { verbs: ["get"], nonResourceURLs: ["*"] }, req: url("post", "/x"), allowed: false },
  { name: "URL rule never matches a resource", rule: { verbs: ["*"], nonResourceURLs: ["*"] }, req: res("get", "", "pods"), allowed: false },
];

describe("ruleAllows", () => {
  for (const c of cases) {
    test(`ruleAllows: ${c.name}`, () => assert.equal(ruleAllows(c.req, c.rule), c.allowed));
  }
});

describe("covers", () => {
  test("covers a subset of verbs and resources", () => {
    const owner = [{ verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods", "services"] }];
    assert.deepEqual(covers(owner, [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]), { covered: true, missing: [] });
  });
  test("covers reports the missing simple rules, verbs compacted", () => {
    const owner = [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }];
    const r = covers(owner, [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "secrets"] }]);
    assert.equal(r.covered, false);
    assert.deepEqual(r.missing.map(compactString).sort(), [
      '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    ]);
  });
  test("covers: star/subresource covers any resource's subresource, names need a nameless owner or the same name", () => {
    assert.equal(covers([{ verbs: ["*"], apiGroups: ["*"], resources: ["*/scale"] }], [{ verbs: ["get"], apiGroups: ["apps"], resources: ["deployments/scale"] }]).covered, true);
    assert.equal(covers([{ verbs: ["get"], apiGroups: [""], resources: ["cm"], resourceNames: ["a"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["cm"] }]).covered, false);
    assert.equal(covers([{ verbs: ["get"], apiGroups: [""], resources: ["cm"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["cm"], resourceNames: ["a"] }]).covered, true);
  });
  test("covers: URLs by prefix", () => {
    assert.equal(covers([{ verbs: ["get"], nonResourceURLs: ["/logs/*"] }], [{ verbs: ["get"], nonResourceURLs: ["/logs/a", "/logs/*"] }]).covered, true);
    assert.equal(covers([{ verbs: ["get"], nonResourceURLs: ["/logs"] }], [{ verbs: ["get"], nonResourceURLs: ["/logs/*"] }]).covered, false);
  });
  test("covers: the star rule covers everything", () => {
    const admin = [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }];
    assert.equal(covers(admin, [{ verbs: ["escalate", "bind"], apiGroups: ["x"], resources: ["y/z"], resourceNames: ["n"] }, { verbs: ["post"], nonResourceURLs: ["/a"] }]).covered, true);
  });
});
