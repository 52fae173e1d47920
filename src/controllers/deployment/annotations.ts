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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A revision annotation as Go's strconv.ParseInt(v, 10, 64) reads it: an int64 in decimal (sign allowed),
 * as a bigint — a JS number would turn 3546343826724305832 + 1 into …306000. Undefined when unparsable.
 */
export function parseRevision(v: string | undefined): bigint | undefined {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = BigInt(v);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

/** The ReplicaSet's revision number, 0 when it has none (or an unreadable one, which upstream skips). */
export function revisionOf(rs: ReplicaSet): bigint {
  return parseRevision(rs.metadata?.annotations?.[REVISION]) ?? 0n;
}

export function maxRevision(rsList: ReplicaSet[]): bigint {
  return rsList.reduce((max, rs) => (revisionOf(rs) > max ? revisionOf(rs) : max), 0n);
}

/** Ascending revision order, for sorts. */
export function compareRevisions(a: ReplicaSet, b: ReplicaSet): number {
  const x = revisionOf(a), y = revisionOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
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
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: bigint): boolean {
  const meta = (rs.metadata ??= {});
  const annotations = { ...meta.annotations };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const old = annotations[REVISION];
  // As upstream: an unreadable revision on the ReplicaSet is left alone (an empty one counts as 0).
  const oldRevision = old === undefined || old === "" ? 0n : parseRevision(old);
  if (oldRevision === undefined) return changed;
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
