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

function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && isReady(pod);
}

/** Running, Ready (for minReadySeconds) and not being deleted. */
export function healthy(pod: Pod, minReadySeconds: number, now: number): boolean {
  return isRunningAndReady(pod) && isAvailable(pod, minReadySeconds, now) && !terminating(pod);
}

/** Upstream's burstReplicas: at most this many steps a sync, however many replicas the spec asks for. */
export const MAX_STEPS_PER_SYNC = 500;

/**
 * Upstream's StatefulSet update, as a list of steps: (1) every ordinal in [start, start+replicas) gets a
 * pod — failed ones are replaced, missing ones created, lowest first; (2) pods beyond the range go,
 * highest first; (3) with RollingUpdate, pods at or above the partition not at the update revision are
 * replaced, highest first, while fewer than maxUnavailable are unavailable. OrderedReady stops at the first
 * step and whenever a pod it would pass is not yet healthy; Parallel takes every step of (1) and (2) at once,
 * up to MAX_STEPS_PER_SYNC (the pods' events bring the next sync). OrderedReady scale-down halts while any
 * pod is unhealthy, except the lowest unhealthy condemned one (upstream's firstUnhealthyPod), which may go.
 *
 * Nothing here is sized by `replicas`: the walk visits the pods' ordinals and at most MAX_STEPS_PER_SYNC
 * gaps (OrderedReady stops at the first). E.g. replicas 2147483647 with pods 0 and 1 ready: OrderedReady
 * passes 0 and 1 and plans "create 2"; Parallel plans "create 2" … "create 501".
 */
export function planStatefulSet(v: SetView): Step[] {
  const ok = (p: Pod) => healthy(p, v.minReadySeconds, v.now);
  const inRange = new Map<number, Pod>();
  const condemned: Array<{ pod: Pod; ordinal: number }> = [];
  for (const { pod, ordinal } of v.pods) {
    if (ordinal === undefined) continue;
    if (ordinal >= v.start && ordinal - v.start < v.replicas) inRange.set(ordinal, pod);
    else condemned.push({ pod, ordinal });
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  const steps: Step[] = [];
  const full = () => steps.length >= MAX_STEPS_PER_SYNC;
  // The ordinals in range, lowest first: the gaps before each pod (creates), then the pod itself.
  const create = (ordinal: number) => steps.push({ kind: "create", ordinal, revision: !v.onDelete && ordinal < v.partition ? "current" : "update" });
  const ordinals = [...inRange.keys()].sort((a, b) => a - b);
  let next = v.start;
  for (const ordinal of [...ordinals, v.start + v.replicas]) {
    for (; next < ordinal && !full(); next++) {
      create(next);
      if (v.ordered) return steps;
    }
    next = ordinal + 1;
    const pod = inRange.get(ordinal);
    if (!pod) break;
    if (finished(pod) && !terminating(pod)) {
      steps.push({ kind: "delete", pod, why: "failed" });
      if (v.ordered) return steps;
      continue;
    }
    if (v.ordered && !ok(pod)) return steps;
  }
  if (full()) return steps;
  // Upstream's firstUnhealthyPod among the condemned (every pod in range is healthy when OrderedReady gets here).
  const firstUnhealthy = condemned.findLast(({ pod }) => !(isRunningAndReady(pod) && !terminating(pod)))?.pod;
  for (const { pod } of condemned) {
    if (terminating(pod)) {
      if (v.ordered) return steps;
      continue;
    }
    if (v.ordered && pod !== firstUnhealthy && !ok(pod)) return steps;
    steps.push({ kind: "delete", pod, why: "condemned" });
    if (v.ordered || full()) return steps;
  }
  if (v.onDelete || steps.length > 0) return steps;
  // Every ordinal in range has a pod here (a gap would have planned a create).
  const byOrdinalDesc = [...inRange.entries()].sort((a, b) => b[0] - a[0]);
  let budget = v.maxUnavailable - byOrdinalDesc.filter(([, p]) => !ok(p)).length;
  for (const [ordinal, pod] of byOrdinalDesc) {
    if (ordinal < v.partition || budget <= 0) break;
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
