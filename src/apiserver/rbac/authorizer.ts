import { ruleAllows } from "../../api/rbac/rules.js";
import type { PolicyRule, Subject } from "../../api/rbac/types.js";
import type { Authorizer, Decision, RequestAttributes, UserInfo } from "../auth/types.js";
import type { BindingEntry, RbacCache } from "./cache.js";

/** What a visit sees: a rule with the binding that granted it, or the error resolving a binding's role. */
export type RuleVisitor = (binding: BindingEntry, rule: PolicyRule | undefined, error: string | undefined) => boolean;

/** Every rule a user holds in a namespace (SelfSubjectRulesReview, the escalation check). */
export interface RulesResult {
  rules: PolicyRule[];
  /** Roles bindings refer to that don't exist (upstream's resolution errors). */
  errors: string[];
}

/**
 * Upstream's RBAC authorizer: allows a request when a rule of a role bound to the user — through a
 * ClusterRoleBinding anywhere, or a RoleBinding in the request's namespace — matches it; otherwise no
 * opinion, with the roles it could not find as the reason. It never denies outright.
 */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly cache: RbacCache) {}

  authorize(attrs: RequestAttributes): Decision {
    let allowedBy: BindingEntry | undefined;
    const errors: string[] = [];
    this.visitRulesFor(attrs.user, attrs.namespace, (binding, rule, error) => {
      if (rule && ruleAllows(attrs, rule)) {
        allowedBy = binding;
        return false;
      }
      if (error) errors.push(error);
      return true;
    });
    if (allowedBy) return { decision: "allow", reason: `RBAC: allowed by ${describe(allowedBy)}` };
    return { decision: "no-opinion", reason: errors.length === 0 ? "" : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}` };
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_b, rule, error) => {
      if (rule) rules.push(rule);
      if (error) errors.push(error);
      return true;
    });
    return { rules, errors };
  }

  /**
   * Visits the rules of every binding that applies to the user: ClusterRoleBindings first, then the
   * namespace's RoleBindings, until the visitor returns false. Each binding once, whatever number of its
   * subjects match.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    // The candidate lists: the user's and each group's, cluster-wide, then in the namespace. Most are empty;
    // a binding can only be met twice when two lists are not, so only then is a seen-set kept.
    const lists: Array<readonly BindingEntry[]> = [];
    const add = (list: readonly BindingEntry[]) => {
      if (list.length > 0) lists.push(list);
    };
    add(this.cache.clusterBindings(`u:${user.name}`));
    for (const g of user.groups) add(this.cache.clusterBindings(`g:${g}`));
    if (namespace) {
      add(this.cache.namespaceBindings(namespace, `u:${user.name}`));
      for (const g of user.groups) add(this.cache.namespaceBindings(namespace, `g:${g}`));
    }
    const seen = lists.length > 1 ? new Set<string>() : undefined;
    for (const list of lists) {
      for (const binding of list) {
        if (seen) {
          if (seen.has(binding.key)) continue;
          seen.add(binding.key);
        }
        const { rules, error } = this.cache.roleRefRules(binding.roleRef, binding.namespace);
        if (error !== undefined && !visit(binding, undefined, error)) return;
        for (const rule of rules) if (!visit(binding, rule, undefined)) return;
      }
    }
  }
}

/** `ClusterRoleBinding "x" of ClusterRole "y" to User "alice"`, `RoleBinding "rb/ns" of Role "r" to ServiceAccount "sa/ns"`. */
function describe(b: BindingEntry): string {
  const name = b.namespace ? `${b.name}/${b.namespace}` : b.name;
  return `${b.kind} ${JSON.stringify(name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(b.subject, b.namespace)}`;
}

function describeSubject(s: Subject, namespace: string): string {
  if (s.kind === "ServiceAccount") return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || namespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}
