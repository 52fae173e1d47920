import { StatusError } from "../../api/errors.js";
import { covers } from "../../api/rbac/covers.js";
import { compactString } from "../../api/rbac/rules.js";
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding } from "../../api/rbac/types.js";
import { canonicalJson } from "../../api/canonical.js";
import type { KubeObject } from "../../api/types.js";
import { currentUser } from "../auth/context.js";
import { Groups, type UserInfo } from "../auth/types.js";
import type { ResourceInfo } from "../resource.js";
import type { RbacAuthorizer } from "./authorizer.js";
import type { RbacCache } from "./cache.js";

const FULL_AUTHORITY: PolicyRule[] = [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }];

/**
 * Upstream's escalation prevention for RBAC writes: whoever creates or updates a Role or ClusterRole must
 * already hold every permission it grants (or have `escalate` on it), and whoever binds a role must hold its
 * permissions (or have `bind` on it). An aggregationRule can gather anything, so setting one takes
 * cluster-admin's power. system:masters, and in-process callers with no user, skip the check.
 */
export function escalationAdmission(authorizer: () => RbacAuthorizer, cache: () => RbacCache) {
  async function check(resource: ResourceInfo, obj: KubeObject, old: KubeObject | undefined): Promise<void> {
    if (resource.group !== RBAC_GROUP) return;
    const user = currentUser();
    if (!user || user.groups.includes(Groups.masters)) return;
    if (old && onlyGCFieldsChange(obj, old)) return;
    const namespace = resource.namespaced ? (obj.metadata.namespace ?? "") : "";
    const name = obj.metadata.name ?? obj.metadata.generateName ?? "";
    const forbidden = (why: string) => new StatusError(403, "Forbidden", `${resource.plural}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${why}`, { name, group: RBAC_GROUP, kind: resource.plural });
    const allowed = (verb: string, res: string, resName: string) => authorizer().authorize({
      user, verb, resourceRequest: true, path: "", apiGroup: RBAC_GROUP, apiVersion: "*", resource: res, subresource: "", namespace, name: resName,
    }).decision === "allow";

    if (resource.plural === "roles" || resource.plural === "clusterroles") {
      // Upstream asks about the request's own name: none on a create (a POST to the collection).
      if (allowed("escalate", resource.plural, old ? name : "")) return;
      const missing = notHeld(authorizer(), user, namespace, (obj as ClusterRole).rules ?? []);
      if (missing) throw forbidden(missing);
      const agg = (obj as ClusterRole).aggregationRule;
      const changed = old === undefined || canonicalJson((old as ClusterRole).aggregationRule ?? null) !== canonicalJson(agg ?? null);
      if (resource.plural === "clusterroles" && agg && changed && notHeld(authorizer(), user, "", FULL_AUTHORITY)) {
        throw forbidden("must have cluster-admin privileges to use the aggregationRule");
      }
      return;
    }
    if (resource.plural === "rolebindings" || resource.plural === "clusterrolebindings") {
      const ref = (obj as RoleBinding).roleRef;
      const roleResource = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : "";
      if (roleResource && ref.apiGroup === RBAC_GROUP && allowed("bind", roleResource, ref.name)) return;
      const { rules, error } = cache().roleRefRules(ref, namespace);
      if (error) throw forbidden(error);
      const missing = notHeld(authorizer(), user, namespace, rules);
      if (missing) throw forbidden(missing);
    }
  }
  return {
    admit: (resource: ResourceInfo, obj: KubeObject) => check(resource, obj, undefined),
    admitUpdate: (resource: ResourceInfo, obj: KubeObject, old: KubeObject) => check(resource, obj, old),
  };
}

/** Upstream's ConfirmNoEscalation: undefined when the user holds every rule, else the message naming what is missing. */
export function notHeld(authorizer: RbacAuthorizer, user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const owned = authorizer.rulesFor(user, namespace);
  const { covered, missing } = covers(owned.rules, rules);
  if (covered) return undefined;
  const lines = [...new Set(missing.map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=[${user.groups.map((g) => JSON.stringify(g)).join(" ")}]) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
  if (owned.errors.length > 0) msg += `; resolution errors: [${owned.errors.length === 1 ? owned.errors[0] : `[${owned.errors.join(", ")}]`}]`;
  return msg;
}

/** An update that touches only what the garbage collector writes (owner references, finalizers) grants nothing new. */
function onlyGCFieldsChange(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, ...meta } = o.metadata;
    return canonicalJson({ ...o, metadata: meta });
  };
  return strip(obj) === strip(old);
}
