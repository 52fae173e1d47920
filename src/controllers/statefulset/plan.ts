import type { Pod } from "kubernetes-types/core/v1.js";
import { REVISION_HASH_LABEL } from "../kit/history.js";
import { isAvailable, isReady } from "../kit/pod-state.js";

export type Step =
  | { kind: "create"; ordinal: number; revision: "current" | "update" }
  | { kind: "delete"; pod: Pod; why: "failed" | "condemned" | "update" };

export interface SetView {
  setName: string;
  replicas: number;
  /** spec.ordinals.start */
  start: number;
  /** podManagementPolicy OrderedReady: one step at a time, each after the pods before it are Running and Ready. */
  ordered: boolean;
  onDelete: boolean;
  partition: number;
  maxUnavailable: number;
  minReadySeconds: number;
  updateRevision: string;
  pods: Array<{ pod: Pod; ordinal: number | undefined }>;
  now: number;
}

const terminating = (p: Pod) => !!p.metadata?.deletionTimestamp;
const finished = (p: Pod) => p.status?.phase === "Failed" || p.status?.phase === "Succeeded";

export function revisionOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[REVISION_HASH_LABEL];
}

/** Running, Ready (for minReadySeconds) and not being deleted. */
export function healthy(pod: Pod, minReadySeconds: number, now: number): boolean {
  return pod.status?.phase === "Running" && isReady(pod) && isAvailable(pod, minReadySeconds, now) && !terminating(pod);
}

/**
 * Upstream's StatefulSet update, as a list of steps: (1) every ordinal in [start, start+replicas) gets a
 * pod — failed ones are replaced, missing ones created, lowest first; (2) pods beyond the range go,
 * highest first; (3) with RollingUpdate, pods at or above the partition not at the update revision are
 * replaced, highest first, while fewer than maxUnavailable are unavailable. OrderedReady stops at the first
 * step and whenever a pod it would pass is not yet healthy; Parallel takes every step of (1) and (2) at once.
 */
export function planStatefulSet(v: SetView): Step[] {
  const ok = (p: Pod) => healthy(p, v.minReadySeconds, v.now);
  const replicas: Array<Pod | undefined> = Array.from({ length: v.replicas });
  const condemned: Array<{ pod: Pod; ordinal: number }> = [];
  for (const { pod, ordinal } of v.pods) {
    if (ordinal === undefined) continue;
    if (ordinal >= v.start && ordinal < v.start + v.replicas) replicas[ordinal - v.start] = pod;
    else condemned.push({ pod, ordinal });
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  const steps: Step[] = [];
  for (let i = 0; i < replicas.length; i++) {
    const pod = replicas[i];
    const ordinal = v.start + i;
    if (pod && finished(pod) && !terminating(pod)) {
      steps.push({ kind: "delete", pod, why: "failed" });
      if (v.ordered) return steps;
      continue;
    }
    if (!pod) {
      steps.push({ kind: "create", ordinal, revision: !v.onDelete && ordinal < v.partition ? "current" : "update" });
      if (v.ordered) return steps;
      continue;
    }
    if (v.ordered && !ok(pod)) return steps;
  }
  for (const { pod } of condemned) {
    if (terminating(pod)) {
      if (v.ordered) return steps;
      continue;
    }
    steps.push({ kind: "delete", pod, why: "condemned" });
    if (v.ordered) return steps;
  }
  if (v.onDelete || steps.length > 0) return steps;
  let budget = v.maxUnavailable - replicas.filter((p) => !p || !ok(p)).length;
  for (let i = replicas.length - 1; i >= Math.max(0, v.partition - v.start) && budget > 0; i--) {
    const pod = replicas[i]!;
    if (revisionOf(pod) !== v.updateRevision && !terminating(pod)) {
      steps.push({ kind: "delete", pod, why: "update" });
      budget--;
    } else if (!ok(pod)) break;
  }
  return steps;
}

export interface SetCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** Status counts over the set's pods (upstream's computeReplicaStatus). */
export function setCounts(pods: Pod[], currentRevision: string, updateRevision: string, minReadySeconds: number, now: number): SetCounts {
  const c: SetCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    c.replicas++;
    if (pod.status?.phase === "Running" && isReady(pod)) {
      c.readyReplicas++;
      if (isAvailable(pod, minReadySeconds, now)) c.availableReplicas++;
    }
    if (terminating(pod)) continue;
    if (revisionOf(pod) === currentRevision) c.currentReplicas++;
    if (revisionOf(pod) === updateRevision) c.updatedReplicas++;
  }
  return c;
}
