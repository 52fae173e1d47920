import type { PolicyRule } from "./types.js";

/**
 * Escalation arithmetic (upstream's Covers): does a set of rules someone holds include every permission a
 * set of rules would grant? Each requested rule is broken down into simple rules (one verb, one group, one
 * resource, at most one name — or one URL and one verb), and each simple rule must be covered by a single
 * owner rule. The uncovered simple rules come back compacted (verbs of the same group/resource/name merged).
 *
 * Example: owner {apiGroups [""], resources [pods], verbs [get list]} against requested
 * {apiGroups [""], resources [pods secrets], verbs [get]} → not covered; missing
 * {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}.
 */
export function covers(owner: readonly PolicyRule[], requested: readonly PolicyRule[], maxMissing = 1000): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  let uncovered = 0;
  for (const rule of requested) {
    // A rule one owner rule covers as a whole needs no breakdown (its product can be large).
    if (owner.some((o) => ruleCovers(o, rule))) continue;
    for (const sub of breakdown(rule)) {
      if (owner.some((o) => ruleCovers(o, sub))) continue;
      uncovered++;
      if (missing.length < maxMissing) missing.push(sub);
    }
  }
  return { covered: uncovered === 0, missing: compactRules(missing) };
}

/** One simple rule per verb × group × resource × name, then per URL × verb (upstream's BreakdownRule). */
export function* breakdown(rule: PolicyRule): Generator<PolicyRule> {
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if ((rule.resourceNames ?? []).length === 0) yield { apiGroups: [group], resources: [resource], verbs: [verb] };
        else for (const name of rule.resourceNames!) yield { apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] };
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) yield { nonResourceURLs: [url], verbs: [verb] };
}

const has = (set: string[] | undefined, x: string) => (set ?? []).includes(x);
const hasAll = (set: string[] | undefined, xs: string[] | undefined) => (xs ?? []).every((x) => has(set, x));

/** Upstream's ruleCovers: one owner rule grants everything `sub` does. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, "*") || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, "*") || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCoverAll(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((path) => (owner.nonResourceURLs ?? []).some((o) => o === path || (o.endsWith("*") && path.startsWith(o.replace(/\*+$/, "")))));
  const ownerNames = owner.resourceNames ?? [];
  const names = (sub.resourceNames ?? []).length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

function resourcesCoverAll(set: string[], wanted: string[]): boolean {
  if (set.includes("*")) return true;
  return wanted.every((path) => {
    if (set.includes(path)) return true;
    const slash = path.indexOf("/");
    return slash >= 0 && set.includes(`*/${path.slice(slash + 1)}`);
  });
}

/** Merges the verbs of simple rules on the same group, resource and name (upstream's CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = r.verbs.length > 0 && (r.resources ?? []).length === 1 && (r.apiGroups ?? []).length === 1
      && (r.resourceNames ?? []).length <= 1 && (r.nonResourceURLs ?? []).length === 0;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}
