import type { Pod } from "kubernetes-types/core/v1.js";
import { isAvailable, isReady, readyCondition } from "../kit/pod-state.js";

/** Upstream's burstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((max, s) => Math.max(max, s.restartCount), 0);
}

/**
 * The pods to delete when scaling down, best victims first, as upstream's ActivePodsWithRanks orders them:
 * unscheduled before scheduled; Pending before Unknown before Running; not ready before ready; pods on
 * nodes crowded with their siblings first; ready for less time first; more restarts first; newer first.
 */
export function victims(pods: Pod[], count: number): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const time = (t: string | undefined) => (t ? Date.parse(t) : 0);
  const ranked = [...pods].sort((a, b) => {
    const an = a.spec?.nodeName, bn = b.spec?.nodeName;
    if (!an !== !bn) return !an ? -1 : 1;
    const ap = PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0, bp = PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0;
    if (ap !== bp) return ap - bp;
    if (isReady(a) !== isReady(b)) return isReady(a) ? 1 : -1;
    const ac = an ? perNode.get(an) ?? 0 : 0, bc = bn ? perNode.get(bn) ?? 0 : 0;
    if (ac !== bc) return bc - ac;
    if (isReady(a) && isReady(b)) {
      const ar = time(readyCondition(a)?.lastTransitionTime), br = time(readyCondition(b)?.lastTransitionTime);
      if (ar !== br) return br - ar;
    }
    if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
    return time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp);
  });
  return ranked.slice(0, count);
}

/** How many pods to create (positive) or delete (negative) now, capped per sync. */
export function replicaDiff(active: number, desired: number): number {
  const diff = desired - active;
  return Math.max(-BURST_REPLICAS, Math.min(BURST_REPLICAS, diff));
}

export interface ReplicaCounts {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** The status counts over the controller's active pods (fully labeled = carrying every template label). */
export function replicaCounts(pods: Pod[], templateLabels: Record<string, string>, minReadySeconds: number, now: number): ReplicaCounts {
  const entries = Object.entries(templateLabels);
  let fullyLabeledReplicas = 0, readyReplicas = 0, availableReplicas = 0;
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    if (entries.every(([k, v]) => labels[k] === v)) fullyLabeledReplicas++;
    if (isReady(p)) readyReplicas++;
    if (isAvailable(p, minReadySeconds, now)) availableReplicas++;
  }
  return { replicas: pods.length, fullyLabeledReplicas, readyReplicas, availableReplicas };
}
