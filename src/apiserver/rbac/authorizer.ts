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

  /** Every request pays for this: no closures, no allocation beyond the candidate lists on the allowed path. */
  authorize(attrs: RequestAttributes): Decision {
    const lists = this.candidates(attrs.user, attrs.namespace);
    const seen = lists.length > 1 ? new Set<string>() : undefined;
    let errors: string[] | undefined;
    for (const list of lists) {
      for (const binding of list) {
        if (seen) {
          if (seen.has(binding.key)) continue;
          seen.add(binding.key);
        }
        const { rules, error } = this.cache.roleRefRules(binding.roleRef, binding.namespace);
        if (error !== undefined) (errors ??= []).push(error);
        for (const rule of rules) if (ruleAllows(attrs, rule)) return allowedBy(binding);
      }
    }
    if (!errors) return { decision: "no-opinion", reason: "" };
    return { decision: "no-opinion", reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}` };
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
    const lists = this.candidates(user, namespace);
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

  /**
   * The non-empty candidate lists, in upstream's order: ClusterRoleBindings naming the user, then each of its
   * groups; then the namespace's RoleBindings likewise. A binding can only be met twice when two lists are
   * not empty, so only then do the visits keep a seen-set.
   */
  private candidates(user: UserInfo, namespace: string): Array<readonly BindingEntry[]> {
    const lists: Array<readonly BindingEntry[]> = [];
    let list = this.cache.clusterBindings("user", user.name);
    if (list.length > 0) lists.push(list);
    for (const g of user.groups) if ((list = this.cache.clusterBindings("group", g)).length > 0) lists.push(list);
    if (namespace) {
      if ((list = this.cache.namespaceBindings(namespace, "user", user.name)).length > 0) lists.push(list);
      for (const g of user.groups) if ((list = this.cache.namespaceBindings(namespace, "group", g)).length > 0) lists.push(list);
    }
    return lists;
  }
}

/**
 * An allow with its reason written when read: the authorization filter never reads it, the access reviews
 * do, so the requests that are only served don't build the string.
 */
function allowedBy(binding: BindingEntry): Decision {
  return {
    decision: "allow",
    get reason() {
      return `RBAC: allowed by ${describe(binding)}`;
    },
  };
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
