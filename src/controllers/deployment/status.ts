import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from "kubernetes-types/apps/v1.js";
import { formatTime } from "../../api/meta.js";
import { actualReplicaCount, availableReplicaCount, desiredReplicas, maxUnavailable, readyReplicaCount, replicaCount } from "./plan.js";

/**
 * A Deployment's status as upstream computes it: replica counts summed over its ReplicaSets, the
 * Available condition, and the Progressing condition whose reason tells `kubectl rollout status` where
 * the rollout stands (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
 * NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused/DeploymentResumed). Pure: `now` in.
 */

export const PROGRESSING = "Progressing";
export const AVAILABLE = "Available";
export const REPLICA_FAILURE = "ReplicaFailure";
export const Reason = {
  newRSCreated: "NewReplicaSetCreated",
  foundNewRS: "FoundNewReplicaSet",
  rsUpdated: "ReplicaSetUpdated",
  newRSAvailable: "NewReplicaSetAvailable",
  timedOut: "ProgressDeadlineExceeded",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  rsCreateError: "ReplicaSetCreateError",
  minAvailable: "MinimumReplicasAvailable",
  minUnavailable: "MinimumReplicasUnavailable",
} as const;

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: "True" | "False" | "Unknown", reason: string, message: string, now: number): DeploymentCondition {
  const t = formatTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/**
 * Sets a condition (mutates `status`). The same status and reason leave the old condition, times and
 * all; the same status with a new reason keeps lastTransitionTime.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = current && current.status === cond.status ? { ...cond, lastTransitionTime: current.lastTransitionTime } : cond;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** progressDeadlineSeconds, unless unset or "never" (MaxInt32). */
export function progressDeadline(d: Deployment): number | undefined {
  const s = d.spec?.progressDeadlineSeconds;
  return s === undefined || s === 2147483647 ? undefined : s;
}

/** Counts, generation, collisionCount and the Available condition (upstream's calculateStatus). */
export function calculateStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {};
  const set = (k: "replicas" | "updatedReplicas" | "readyReplicas" | "availableReplicas" | "unavailableReplicas", n: number) => {
    if (n !== 0) status[k] = n;
  };
  if (d.metadata?.generation !== undefined) status.observedGeneration = d.metadata.generation;
  set("replicas", actualReplicaCount(allRSs));
  set("updatedReplicas", newRS ? actualReplicaCount([newRS]) : 0);
  set("readyReplicas", readyReplicaCount(allRSs));
  set("availableReplicas", available);
  set("unavailableReplicas", Math.max(0, replicaCount(allRSs) - available));
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, "True", Reason.minAvailable, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition(AVAILABLE, "False", Reason.minUnavailable, "Deployment does not have minimum availability.", now));
  }
  return status;
}

/** Every replica updated and available, and the current generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === desired && (s.replicas ?? 0) === desired && (s.availableReplicas ?? 0) === desired
    && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Something moved since the last status: more updated, fewer old, more ready or more available. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** No progress reported for progressDeadlineSeconds since the Progressing condition last moved. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  const deadline = progressDeadline(d);
  const cond = getCondition(s, PROGRESSING);
  if (deadline === undefined || !cond || cond.reason === Reason.newRSAvailable) return false;
  if (cond.reason === Reason.timedOut) return true;
  return Date.parse(cond.lastUpdateTime ?? "") + deadline * 1000 < now;
}

/**
 * The status after a rollout step (upstream's syncRolloutStatus, without the write): counts, then — with
 * a progress deadline and a rollout still under way — Progressing becomes NewReplicaSetAvailable when
 * complete, ReplicaSetUpdated (fresh lastUpdateTime) while pods move, ProgressDeadlineExceeded once
 * nothing moved for the deadline; a ReplicaSet's ReplicaFailure is mirrored.
 */
export function rolloutStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const status = calculateStatus(d, allRSs, newRS, now);
  const deadline = progressDeadline(d);
  if (deadline === undefined) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.newRSAvailable;
  if (deadline !== undefined && !complete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${d.metadata?.name}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, "True", Reason.newRSAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      const cond = newCondition(PROGRESSING, "True", Reason.rsUpdated, `${subject} is progressing.`, now);
      if (current?.status === "True") cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition(PROGRESSING, "False", Reason.timedOut, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, failure);
  else removeCondition(status, REPLICA_FAILURE);
  return status;
}

/** The new ReplicaSet's ReplicaFailure condition (else any other's), as a Deployment condition. */
function replicaFailure(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentCondition | undefined {
  for (const rs of newRS ? [newRS, ...allRSs] : allRSs) {
    const c = rs.status?.conditions?.find((x) => x.type === REPLICA_FAILURE);
    if (c) return { type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
  }
  return undefined;
}

/**
 * When to look again at a rollout that may run out of time: at the deadline (plus a second), so
 * ProgressDeadlineExceeded appears even if no event arrives. Undefined when nothing is pending.
 */
export function progressCheckAfterMs(d: Deployment, s: DeploymentStatus, now: number): number | undefined {
  const deadline = progressDeadline(d);
  const cond = getCondition(s, PROGRESSING);
  if (deadline === undefined || !cond || deploymentComplete(d, s) || cond.reason === Reason.timedOut) return undefined;
  const after = Date.parse(cond.lastUpdateTime ?? "") + deadline * 1000 - now;
  return after < 1000 ? 0 : after + 1000;
}

/**
 * The Progressing condition for a pause or a resume (upstream's checkPausedConditions), or undefined
 * when nothing changes; a reported timeout is never overwritten.
 */
export function pausedStatus(d: Deployment, now: number): DeploymentStatus | undefined {
  if (progressDeadline(d) === undefined) return undefined;
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === Reason.timedOut) return undefined;
  const pausedCond = cond?.reason === Reason.paused;
  const paused = d.spec?.paused === true;
  if (paused === pausedCond) return undefined;
  const status: DeploymentStatus = { ...d.status, conditions: [...(d.status?.conditions ?? [])] };
  setCondition(status, paused
    ? newCondition(PROGRESSING, "Unknown", Reason.paused, "Deployment is paused", now)
    : newCondition(PROGRESSING, "Unknown", Reason.resumed, "Deployment is resumed", now));
  return status;
}
