import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";

/** The annotations a Deployment and its ReplicaSets carry (upstream's deployment/util). */
export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const ROLLBACK_TO = "deprecated.deployment.rollback.to";

/** Annotations of the Deployment that are not copied onto its ReplicaSets. */
const NOT_COPIED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);

/** Upstream caps revision-history at this many characters, dropping the oldest entries. */
const MAX_HISTORY_CHARS = 2000;

/** The ReplicaSet's revision number, 0 when it has none (or an unreadable one). */
export function revisionOf(rs: ReplicaSet): number {
  const v = rs.metadata?.annotations?.[REVISION];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) ? n : 0;
}

export function maxRevision(rsList: ReplicaSet[]): number {
  return rsList.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

export const desiredReplicasOf = (rs: ReplicaSet) => intAnnotation(rs, DESIRED_REPLICAS);
export const maxReplicasOf = (rs: ReplicaSet) => intAnnotation(rs, MAX_REPLICAS);

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  return desiredReplicasOf(rs) !== desired || maxReplicasOf(rs) !== max;
}

/** Records the deployment's size and its size plus surge on a ReplicaSet (mutates `rs`). */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  const meta = (rs.metadata ??= {});
  meta.annotations = { ...meta.annotations, [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(max) };
  return true;
}

/**
 * Brings the new ReplicaSet's annotations up to date (mutates `rs`): the Deployment's own annotations
 * (change-cause among them) are copied; the revision moves up to `newRevision` if it is behind, and a
 * ReplicaSet that already had a revision keeps the old one in revision-history — that is what a rollback
 * to an earlier template looks like: history `1,3` on the ReplicaSet now at revision 5.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number): boolean {
  const meta = (rs.metadata ??= {});
  const annotations = { ...meta.annotations };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const old = annotations[REVISION];
  const oldRevision = old === undefined ? 0 : Number(old);
  if (!Number.isInteger(oldRevision)) return changed;
  if (oldRevision < newRevision) {
    annotations[REVISION] = String(newRevision);
    changed = true;
    if (old !== undefined) annotations[REVISION_HISTORY] = appendHistory(annotations[REVISION_HISTORY], old);
  }
  if (changed) meta.annotations = annotations;
  return changed;
}

function appendHistory(history: string | undefined, revision: string): string {
  const entries = history ? history.split(",") : [];
  entries.push(revision);
  while (entries.join(",").length > MAX_HISTORY_CHARS && entries.length > 1) entries.shift();
  return entries.join(",");
}

/** Sets the Deployment's revision annotation (mutates `d`); true when it changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const meta = (d.metadata ??= {});
  if (meta.annotations?.[REVISION] === revision) return false;
  meta.annotations = { ...meta.annotations, [REVISION]: revision };
  return true;
}
