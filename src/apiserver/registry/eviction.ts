import { formatTime } from "../../api/meta.js";
import type { KubeObject } from "../../api/types.js";
import { deleteObject, type DeleteOptions } from "./delete.js";
import type { Clock, RestStore } from "./rest.js";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

/**
 * Upstream's UpdatePodCondition for the DisruptionTarget condition an eviction sets: the condition's
 * lastTransitionTime moves only when its status changes. Returns the pod with it (a copy).
 */
export function withDisruptionTarget(pod: KubeObject, now: number): KubeObject {
  const status = (pod.status ?? {}) as { conditions?: Condition[] };
  const conditions = status.conditions ?? [];
  const old = conditions.find((c) => c.type === "DisruptionTarget");
  const next: Condition = {
    type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting",
    lastTransitionTime: old?.status === "True" && old.lastTransitionTime ? old.lastTransitionTime : formatTime(now),
  };
  const rest = conditions.filter((c) => c.type !== "DisruptionTarget");
  return { ...pod, status: { ...status, conditions: old ? conditions.map((c) => (c === old ? { ...old, ...next } : c)) : [...rest, next] } };
}

/**
 * POST pods/{name}/eviction, as upstream's EvictionREST (no PodDisruptionBudgets are served, so nothing
 * blocks it): the pod first gets the DisruptionTarget condition (reason EvictionByEvictionAPI) through its
 * status, then is deleted with the eviction's deleteOptions. A dry run writes neither.
 */
export async function evictPod(rest: RestStore, namespace: string | undefined, name: string, opts: DeleteOptions, clock: Clock): Promise<void> {
  if (!opts.dryRun) {
    await rest.guaranteedUpdate(namespace, name, { subresource: "status" }, (current) => {
      const pre = opts.preconditions ?? {};
      if (pre.uid && pre.uid !== current.metadata.uid) return current;
      return withDisruptionTarget(current, clock.now());
    });
  }
  await deleteObject(rest, namespace, name, opts, clock);
}
