import type { Pod, PodCondition } from "kubernetes-types/core/v1.js";

/** Not finished and not being deleted: a pod that counts toward replicas. */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

export function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

export function isReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** Ready for at least `minReadySeconds` at `now` (upstream's IsPodAvailable). */
export function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(c.lastTransitionTime ?? "");
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}


/** Upstream's podByCreationTimestampAndPhase: scheduled pods first, then oldest first, then by name. */
export function byAge(a: Pod, b: Pod): number {
  if (!a.spec?.nodeName !== !b.spec?.nodeName) return a.spec?.nodeName ? -1 : 1;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? ""), tb = Date.parse(b.metadata?.creationTimestamp ?? "");
  if (ta !== tb) return (ta || 0) - (tb || 0);
  return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
}
