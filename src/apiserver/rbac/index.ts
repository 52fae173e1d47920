import type { RestStore } from "../registry/rest.js";
import { RbacAuthorizer } from "./authorizer.js";
import { reconcileBootstrapPolicy, type ReconcileResult } from "./bootstrap/reconcile.js";
import { RbacCache, type RbacStores } from "./cache.js";
import { escalationAdmission } from "./escalation.js";

/**
 * RBAC inside the API server: the watch-fed cache of roles and bindings, the authorizer over it, the
 * escalation check on RBAC writes, and the bootstrap policy reconciled at start-up.
 */
export class Rbac {
  readonly cache: RbacCache;
  readonly authorizer: RbacAuthorizer;
  readonly admission = escalationAdmission(() => this.authorizer, () => this.cache);

  constructor(private readonly stores: RbacStores) {
    this.cache = new RbacCache(stores);
    this.authorizer = new RbacAuthorizer(this.cache);
  }

  /** Reconciles the bootstrap policy, then fills the cache and follows the store until `signal` aborts. */
  async start(signal: AbortSignal): Promise<ReconcileResult> {
    const result = await reconcileBootstrapPolicy(this.stores.clusterRoles, this.stores.clusterRoleBindings);
    await this.cache.start(signal);
    return result;
  }
}

export function rbacStores(restFor: (group: string, plural: string) => RestStore): RbacStores {
  const g = "rbac.authorization.k8s.io";
  return { roles: restFor(g, "roles"), clusterRoles: restFor(g, "clusterroles"), roleBindings: restFor(g, "rolebindings"), clusterRoleBindings: restFor(g, "clusterrolebindings") };
}
