import { isNotFound } from "../../../api/errors.js";
import { covers } from "../../../api/rbac/covers.js";
import type { ClusterRole, RoleBinding, Subject } from "../../../api/rbac/types.js";
import { canonicalJson } from "../../../api/canonical.js";
import type { KubeObject } from "../../../api/types.js";
import type { RestStore } from "../../registry/rest.js";
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./policy.js";

export interface ReconcileResult {
  created: string[];
  updated: string[];
  /** Left alone: their autoupdate annotation is "false". */
  protected: string[];
}

/**
 * Upstream's start-up reconciliation of the bootstrap policy (a union, never a removal): a missing object
 * is created; an existing one keeps everything a user added and gains the rules, aggregation selectors,
 * subjects, labels and annotations it lacks — unless annotated `autoupdate: "false"`. A binding whose
 * roleRef differs is recreated (roleRef is immutable).
 */
export async function reconcileBootstrapPolicy(clusterRoles: RestStore, clusterRoleBindings: RestStore): Promise<ReconcileResult> {
  const result: ReconcileResult = { created: [], updated: [], protected: [] };
  for (const expected of bootstrapClusterRoles()) await reconcileOne(clusterRoles, expected, reconcileRole, result);
  for (const expected of bootstrapClusterRoleBindings()) await reconcileOne(clusterRoleBindings, expected, reconcileBinding, result);
  return result;
}

type Reconcile<T> = (existing: T, expected: T) => { next: T; recreate?: boolean };

async function reconcileOne<T extends KubeObject>(rest: RestStore, expected: T, reconcile: Reconcile<T>, result: ReconcileResult): Promise<void> {
  const name = `${rest.info.plural}/${expected.metadata.name!}`;
  let existing: T;
  try {
    existing = (await rest.get(undefined, expected.metadata.name!)) as T;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await rest.create(undefined, structuredClone(expected));
    result.created.push(name);
    return;
  }
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === "false") {
    result.protected.push(name);
    return;
  }
  const { next, recreate } = reconcile(structuredClone(existing), expected);
  if (recreate) {
    await rest.removeNow(undefined, expected.metadata.name!);
    await rest.create(undefined, structuredClone(expected));
  } else if (canonicalJson(next) !== canonicalJson(existing)) {
    await rest.update(undefined, expected.metadata.name!, next);
  } else return;
  result.updated.push(name);
}

/** Expected labels and annotations fill in what the object lacks; the object's own values win. */
function mergeMeta(next: KubeObject, expected: KubeObject): void {
  next.metadata.labels = { ...expected.metadata.labels, ...next.metadata.labels };
  next.metadata.annotations = { ...expected.metadata.annotations, ...next.metadata.annotations };
}

export const reconcileRole: Reconcile<ClusterRole> = (next, expected) => {
  mergeMeta(next, expected);
  const missing = covers(next.rules ?? [], expected.rules ?? [], Number.POSITIVE_INFINITY).missing;
  if (missing.length > 0) next.rules = [...(next.rules ?? []), ...missing];
  const want = expected.aggregationRule?.clusterRoleSelectors ?? [];
  if (!expected.aggregationRule && next.aggregationRule) delete next.aggregationRule;
  else if (expected.aggregationRule) {
    const have = next.aggregationRule?.clusterRoleSelectors ?? [];
    const lacking = want.filter((s) => !have.some((h) => canonicalJson(h) === canonicalJson(s)));
    if (lacking.length > 0) next.aggregationRule = { clusterRoleSelectors: [...have, ...lacking] };
  }
  return { next };
};

export const reconcileBinding: Reconcile<RoleBinding> = (next, expected) => {
  const a = next.roleRef;
  const b = expected.roleRef;
  if (a.apiGroup !== b.apiGroup || a.kind !== b.kind || a.name !== b.name) return { next: expected, recreate: true };
  mergeMeta(next, expected);
  const same = (x: Subject, y: Subject) => x.kind === y.kind && x.name === y.name && (x.namespace ?? "") === (y.namespace ?? "") && (x.apiGroup ?? "") === (y.apiGroup ?? "");
  const lacking = (expected.subjects ?? []).filter((s) => !(next.subjects ?? []).some((h) => same(h, s)));
  if (lacking.length > 0) next.subjects = [...(next.subjects ?? []), ...lacking];
  return { next };
};
