import { selectorFromLabelSelector } from "../../api/labels.js";
import { canonicalJson } from "../../api/canonical.js";
import type { ClusterRole, PolicyRule } from "../../api/rbac/types.js";

/**
 * The rules an aggregated ClusterRole should hold (upstream's ClusterRoleAggregationController): for each
 * selector in turn, the rules of every other ClusterRole it matches, by name, each distinct rule once.
 * Undefined when the role has no aggregationRule (its rules are its own).
 *
 * Example: `admin` selects aggregate-to-admin=true, which `edit` (rules A, B) and `system:aggregate-to-admin`
 * (rules B, C) carry → admin's rules are [A, B, C].
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!role.aggregationRule) return undefined;
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const ls of selectors ?? []) {
    const selector = selectorFromLabelSelector(ls);
    if (!selector) continue;
    const matched = all.filter((r) => r.metadata.name !== role.metadata.name && selector.matches(r.metadata.labels))
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
    for (const r of matched) {
      for (const rule of r.rules ?? []) {
        const key = canonicalJson(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
  }
  return rules;
}

export function sameRules(a: PolicyRule[] | null | undefined, b: PolicyRule[] | null | undefined): boolean {
  return canonicalJson(a ?? []) === canonicalJson(b ?? []);
}
