import { serviceAccountUser, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type RoleRef, type Subject } from "../../api/rbac/types.js";
import type { KubeObject } from "../../api/types.js";
import type { StoreEvent } from "../../store/store.js";
import type { RestStore } from "../registry/rest.js";

/** One subject of one binding, as the index keeps it: enough to find the role and to describe the grant. */
export interface BindingEntry {
  /** `ClusterRoleBinding` or `RoleBinding`. */
  kind: string;
  /** The binding's store key: one binding is visited once even when several of its subjects match. */
  key: string;
  name: string;
  /** Empty for a ClusterRoleBinding. */
  namespace: string;
  roleRef: RoleRef;
  subject: Subject;
}

/** Bindings by the subjects they name: users (ServiceAccounts as the user they authenticate as), and groups. */
interface Index {
  user: Map<string, BindingEntry[]>;
  group: Map<string, BindingEntry[]>;
}
const newIndex = (): Index => ({ user: new Map(), group: new Map() });

export interface RbacStores {
  roles: RestStore;
  clusterRoles: RestStore;
  roleBindings: RestStore;
  clusterRoleBindings: RestStore;
}

/**
 * The API server's in-memory copy of every RBAC object, fed by one store watch (as upstream's authorizer
 * reads informer caches). Bindings are indexed by subject — a user name (ServiceAccounts by the name they
 * authenticate as) or a group — cluster-wide for ClusterRoleBindings and per namespace for RoleBindings, so
 * a request costs the bindings of its user and groups, not all of them.
 *
 * Like upstream's, it trails the store by one watch event: a binding created a moment ago may not grant yet.
 */
export class RbacCache {
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly roles = new Map<string, Role>();
  private readonly clusterIndex: Index = newIndex();
  private readonly namespaceIndex = new Map<string, Index>();
  /** Store key → the entries a binding put in the index, to take them out again. */
  private readonly indexed = new Map<string, { index: Index; keys: SubjectKey[]; entries: BindingEntry[] }>();
  private readonly prefix: string;

  constructor(private readonly stores: RbacStores) {
    this.prefix = stores.roles.prefix().replace(/roles\/$/, "");
  }

  /** Lists every RBAC object at one revision, then follows the store from there until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const store = this.stores.roles.store;
    const revision = await store.revision();
    for (const rest of [this.stores.clusterRoles, this.stores.roles, this.stores.clusterRoleBindings, this.stores.roleBindings]) {
      const page = await store.list(rest.prefix(), { revision });
      for (const kv of page.items) this.apply({ type: "ADDED", kv });
    }
    await store.watch(this.prefix, revision, (e) => this.apply(e), signal);
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(name);
  }

  role(namespace: string, name: string): Role | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }

  /** The rules a roleRef names, or the error upstream reports for a missing role. */
  roleRefRules(ref: RoleRef, namespace: string): { rules: readonly PolicyRule[]; error?: string } {
    if (ref.kind === "ClusterRole") {
      const r = this.clusterRoles.get(ref.name);
      return r ? { rules: r.rules ?? NO_RULES } : { rules: NO_RULES, error: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    if (ref.kind === "Role") {
      const r = this.roles.get(`${namespace}/${ref.name}`);
      return r ? { rules: r.rules ?? NO_RULES } : { rules: NO_RULES, error: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    return { rules: NO_RULES, error: `unsupported role reference kind: "${ref.kind}"` };
  }

  /** ClusterRoleBindings whose subjects include this user or group. */
  clusterBindings(kind: SubjectKey["kind"], name: string): readonly BindingEntry[] {
    return this.clusterIndex[kind].get(name) ?? EMPTY;
  }

  /** RoleBindings of a namespace whose subjects include this user or group. */
  namespaceBindings(namespace: string, kind: SubjectKey["kind"], name: string): readonly BindingEntry[] {
    return this.namespaceIndex.get(namespace)?.[kind].get(name) ?? EMPTY;
  }

  private apply(e: StoreEvent): void {
    const rest = e.kv.key.slice(this.prefix.length);
    const slash = rest.indexOf("/");
    const resource = rest.slice(0, slash);
    const obj = e.type === "DELETED" ? undefined : (JSON.parse(e.kv.value) as KubeObject);
    switch (resource) {
      case "clusterroles":
        return void this.put(this.clusterRoles, rest.slice(slash + 1), obj);
      case "roles":
        return void this.put(this.roles, rest.slice(slash + 1), obj);
      case "clusterrolebindings":
      case "rolebindings":
        this.unindex(e.kv.key);
        if (obj) this.index(e.kv.key, obj as RoleBinding, resource === "rolebindings");
    }
  }

  private put<T extends KubeObject>(map: Map<string, T>, key: string, obj: KubeObject | undefined): void {
    if (obj) map.set(key, obj as T);
    else map.delete(key);
  }

  private index(key: string, b: RoleBinding, namespaced: boolean): void {
    const namespace = namespaced ? (b.metadata.namespace ?? "") : "";
    let index = this.clusterIndex;
    if (namespaced) {
      index = this.namespaceIndex.get(namespace) ?? newIndex();
      this.namespaceIndex.set(namespace, index);
    }
    const record = { index, keys: [] as SubjectKey[], entries: [] as BindingEntry[] };
    for (const subject of b.subjects ?? []) {
      const k = subjectKey(subject, namespace);
      if (!k) continue;
      const entry: BindingEntry = { kind: namespaced ? "RoleBinding" : "ClusterRoleBinding", key, name: b.metadata.name ?? "", namespace, roleRef: b.roleRef, subject };
      const list = index[k.kind].get(k.name) ?? [];
      list.push(entry);
      index[k.kind].set(k.name, list);
      record.keys.push(k);
      record.entries.push(entry);
    }
    this.indexed.set(key, record);
  }

  private unindex(key: string): void {
    const record = this.indexed.get(key);
    if (!record) return;
    this.indexed.delete(key);
    record.keys.forEach((k, i) => {
      const map = record.index[k.kind];
      const left = (map.get(k.name) ?? []).filter((e) => e !== record.entries[i]);
      if (left.length > 0) map.set(k.name, left);
      else map.delete(k.name);
    });
  }
}

const EMPTY: readonly BindingEntry[] = Object.freeze([]);
const NO_RULES: readonly PolicyRule[] = Object.freeze([]);

export interface SubjectKey {
  kind: "user" | "group";
  name: string;
}

/**
 * What a subject matches requests by: a User's name, or a ServiceAccount's user name (a RoleBinding's subject
 * without a namespace is in the binding's); a Group's name.
 */
export function subjectKey(s: Subject, bindingNamespace: string): SubjectKey | undefined {
  switch (s.kind) {
    case "User":
      return { kind: "user", name: s.name };
    case "Group":
      return { kind: "group", name: s.name };
    case "ServiceAccount": {
      const ns = s.namespace || bindingNamespace;
      return ns ? { kind: "user", name: serviceAccountUser(ns, s.name) } : undefined;
    }
    default:
      return undefined;
  }
}
