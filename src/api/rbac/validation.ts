import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { invalid, notSupported, required, type FieldError } from "../field-errors.js";
import { validateLabels } from "../validation/names.js";
import { dns1123Subdomain, qualifiedName } from "../validation/names.js";
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type RoleRef, type Subject } from "./types.js";

/** Names of roles and bindings: any path segment (upstream's ValidateRBACName), so `system:controller:x` is fine. */
export function rbacName(name: string): string[] {
  const errs: string[] = [];
  if (name === "." || name === "..") errs.push(`may not be '${name}'`);
  if (name.includes("/")) errs.push("may not contain '/'");
  if (name.includes("%")) errs.push("may not contain '%'");
  return errs;
}

/** v1 defaulting: a User or Group subject's apiGroup is rbac's, a roleRef's too. */
export function defaultBinding(binding: RoleBinding): void {
  if (binding.roleRef && typeof binding.roleRef === "object" && !binding.roleRef.apiGroup) binding.roleRef.apiGroup = RBAC_GROUP;
  for (const s of binding.subjects ?? []) {
    if (s && !s.apiGroup && (s.kind === "User" || s.kind === "Group")) s.apiGroup = RBAC_GROUP;
  }
}

const goStrings = (xs: string[]) => `[]string{${xs.map((x) => JSON.stringify(x)).join(", ")}}`;

/** Upstream's ValidatePolicyRule: verbs always; URLs only cluster-wide and alone; else groups and resources. */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if ((rule.verbs ?? []).length === 0) errs.push(required(`${path}.verbs`, "verbs must contain at least one value"));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    const value = { type: "Invalid" as const, field: `${path}.nonResourceURLs`, rendered: goStrings(urls) };
    if (namespaced) errs.push({ ...value, detail: "namespaced rules cannot apply to non-resource URLs" });
    if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0 || (rule.resourceNames ?? []).length > 0) {
      errs.push({ ...value, detail: "rules cannot apply to both regular resources and non-resource URLs" });
    }
    return errs;
  }
  if ((rule.apiGroups ?? []).length === 0) errs.push(required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if ((rule.resources ?? []).length === 0) errs.push(required(`${path}.resources`, "resource rules must supply at least one resource"));
  return errs;
}

export function validateRole(role: Role, namespaced = true): FieldError[] {
  return (role.rules ?? []).flatMap((rule, i) => validatePolicyRule(rule, namespaced, `rules[${i}]`));
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = validateRole(role, false);
  const agg = role.aggregationRule;
  if (agg) {
    const selectors = agg.clusterRoleSelectors ?? [];
    if (selectors.length === 0) errs.push(required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

/** Upstream's ValidateLabelSelector: label keys and values, operators and their values. */
function validateLabelSelector(s: LabelSelector, path: string): FieldError[] {
  const errs = validateLabels(s.matchLabels, `${path}.matchLabels`);
  (s.matchExpressions ?? []).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) errs.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) errs.push({ type: "Forbidden", field: `${at}.values`, detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        break;
      default:
        errs.push(invalid(`${at}.operator`, e.operator, "not a valid selector operator"));
    }
    for (const m of qualifiedName(e.key ?? "")) errs.push(invalid(`${at}.key`, e.key, m));
  });
  return errs;
}

/** Upstream's ValidateRoleBinding / ValidateClusterRoleBinding (a ClusterRoleBinding refers to a ClusterRole only). */
export function validateBinding(binding: RoleBinding, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = (binding.roleRef ?? {}) as Partial<RoleRef>;
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(ref.kind ?? "")) errs.push(notSupported("roleRef.kind", ref.kind ?? "", kinds));
  if (!ref.name) errs.push(required("roleRef.name"));
  else for (const m of rbacName(ref.name)) errs.push(invalid("roleRef.name", ref.name, m));
  (binding.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s ?? ({} as Subject), namespaced, `subjects[${i}]`)));
  return errs;
}

export function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case "ServiceAccount":
      if (s.name) for (const m of dns1123Subdomain(s.name)) errs.push(invalid(`${path}.name`, s.name, m));
      if (s.apiGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? "", [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? "", ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

/** A binding's roleRef is fixed once created: to bind another role, make another binding. */
export function validateBindingUpdate(next: RoleBinding, old: RoleBinding): FieldError[] {
  const a = next.roleRef ?? ({} as RoleRef);
  const b = old.roleRef ?? ({} as RoleRef);
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  const rendered = `rbac.RoleRef{APIGroup:${JSON.stringify(a.apiGroup ?? "")}, Kind:${JSON.stringify(a.kind ?? "")}, Name:${JSON.stringify(a.name ?? "")}}`;
  return [{ type: "Invalid", field: "roleRef", rendered, detail: "cannot change roleRef" }];
}
