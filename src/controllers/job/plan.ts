import type { JobSpec } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { byAge, isReady } from "../kit/pod-state.js";
import type { IndexSet } from "./indexes.js";

/** The finalizer that keeps a Job's pod until the Job controller has counted it (upstream's exact tracking). */
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

/** Upstream's pod failure back-off: 10 s doubling per failure since the last success, at most 6 minutes. */
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 6 * 60_000;

/** At most this many pods created or deleted per sync (upstream's MaxPodCreateDeletePerSync). */
export const MAX_POD_WRITES_PER_SYNC = 500;

export function isSucceeded(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded";
}

/**
 * Upstream's isPodFailed: Failed, or (unless pods are replaced only once Failed) deleted before it
 * succeeded, so an orphan that never reaches a phase still counts.
 */
export function isFailed(pod: Pod, spec: JobSpec): boolean {
  if (pod.status?.phase === "Failed") return true;
  if (spec.podReplacementPolicy === "Failed") return false;
  return !!pod.metadata?.deletionTimestamp && !isSucceeded(pod);
}

/** Being deleted but not finished yet (status.terminating). */
export function isTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
}

export function hasTrackingFinalizer(pod: Pick<Pod, "metadata">): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** The merge patch that lets a pod go: its finalizers without job-tracking, guarded by its resourceVersion. */
export function releasePatch(pod: Pick<Pod, "metadata">): { metadata: { finalizers: string[] | null; resourceVersion: string | undefined } } {
  const finalizers = (pod.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
  return { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: pod.metadata?.resourceVersion } };
}

/** The completion index of an Indexed Job's pod, from its annotation (or label). */
export function podIndex(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[COMPLETION_INDEX] ?? pod.metadata?.labels?.[COMPLETION_INDEX];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** When a finished pod finished: its last container's finish time, else its Ready condition's last change. */
function finishedAt(pod: Pod): number {
  const times = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .map((s) => Date.parse(s.state?.terminated?.finishedAt ?? ""))
    .filter((t) => !Number.isNaN(t));
  if (times.length) return Math.max(...times);
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  return Date.parse(ready ?? pod.metadata?.deletionTimestamp ?? pod.metadata?.creationTimestamp ?? "") || 0;
}

/**
 * How long new pods must wait after failures: 10 s · 2^(n-1) (at most 6 min) after the newest of the
 * n failures since the last success; 0 when nothing failed since.
 */
export function backoffRemaining(pods: Pod[], spec: JobSpec, now: number): number {
  const lastSuccess = Math.max(0, ...pods.filter(isSucceeded).map(finishedAt));
  const failures = pods.filter((p) => isFailed(p, spec)).map(finishedAt).filter((t) => t >= lastSuccess);
  if (failures.length === 0) return 0;
  const delay = Math.min(BACKOFF_BASE_MS * 2 ** (failures.length - 1), BACKOFF_MAX_MS);
  return Math.max(0, Math.max(...failures) + delay - now);
}

/**
 * Upstream's wantActive for a NonIndexed Job: parallelism, less what the remaining completions need; with
 * no completions set, no new pods once one succeeded.
 */
export function wantActive(spec: JobSpec, succeeded: number, active: number): number {
  const parallelism = spec.parallelism ?? 1;
  if (spec.completions === undefined || spec.completions === null) return succeeded > 0 ? Math.min(active, parallelism) : parallelism;
  return Math.max(0, Math.min(spec.completions - succeeded, parallelism));
}

/**
 * The lowest indexes neither completed nor held by an active pod, as many as parallelism leaves room for
 * and at most `max` (a sync's burst): completed runs are skipped whole, so completions 2147483647 with
 * "0-999999" completed looks at 1000000 first, not at every index below it.
 */
export function indexesToCreate(spec: JobSpec, completed: IndexSet, active: Pod[], max = MAX_POD_WRITES_PER_SYNC): number[] {
  const completions = spec.completions ?? 0;
  const held = new Set(active.map(podIndex));
  const room = Math.min((spec.parallelism ?? 1) - active.length, max);
  const out: number[] = [];
  for (let i = completed.nextAbsent(0); i < completions && out.length < room; i = completed.nextAbsent(i + 1)) if (!held.has(i)) out.push(i);
  return out;
}

/**
 * Active pods an Indexed Job does not need: those without a valid index, on an index already completed,
 * duplicates of an index (the newer go), and any beyond parallelism.
 */
export function indexedExcess(spec: JobSpec, completed: IndexSet, active: Pod[]): Pod[] {
  const completions = spec.completions ?? 0;
  const keep: Pod[] = [];
  const drop: Pod[] = [];
  const seen = new Set<number>();
  for (const pod of [...active].sort(byAge)) {
    const i = podIndex(pod);
    if (i === undefined || i >= completions || completed.has(i) || seen.has(i)) drop.push(pod);
    else {
      seen.add(i);
      keep.push(pod);
    }
  }
  const over = keep.length - (spec.parallelism ?? 1);
  return over > 0 ? [...drop, ...keep.slice(-over)] : drop;
}

/** Which active pods go when there are more than wanted: not ready before ready, newest first. */
export function excessActive(active: Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  return [...active].sort((a, b) => (isReady(a) === isReady(b) ? byAge(b, a) : isReady(a) ? 1 : -1)).slice(0, count);
}
