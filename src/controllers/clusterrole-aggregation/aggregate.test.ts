import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ClusterRole } from "../../api/rbac/types.js";
import { aggregatedRules } from "./aggregate.js";

const role = (name: string, labels: Record<string, string>, rules: ClusterRole["rules"], aggregateLabel?: string): ClusterRole => ({
  metadata: { name, labels }, rules, ...(aggregateLabel ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateLabel]: "true" } }] } } : {}),
});
const A = { verbs: ["get"], apiGroups: [""], resources: ["pods"] };
const B = { verbs: ["list"], apiGroups: [""], resources: ["pods"] };
const C = { verbs: ["get"], apiGroups: ["x.io"], resources: ["widgets"] };

describe("aggregatedRules", () => {
  test("aggregatedRules unions the matching roles' rules by name, each rule once, never the role itself", () => {
    const admin = role("admin", { "aggregate-to-admin": "true" }, [C], "aggregate-to-admin");
    const all = [admin, role("z-crd", { "aggregate-to-admin": "true" }, [B, C]), role("edit", { "aggregate-to-admin": "true" }, [A, B]), role("other", {}, [C])];
    assert.deepEqual(aggregatedRules(admin, all), [A, B, C]);
  });
  test("aggregatedRules is undefined without an aggregationRule and empty when nothing matches", () => {
    assert.equal(aggregatedRules(role("plain", {}, [A]), []), undefined);
    assert.deepEqual(aggregatedRules(role("agg", {}, [A], "nothing"), [role("other", {}, [B])]), []);
  });
});
