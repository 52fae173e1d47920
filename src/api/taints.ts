import type { Taint, Toleration } from "kubernetes-types/core/v1.js";

export type { Taint, Toleration };

/** Whether one toleration tolerates the taint (upstream's ToleratesTaint). */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, "key" | "value" | "effect">): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === "Exists") return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
}

export function tolerates(tolerations: Toleration[], taint: Pick<Taint, "key" | "value" | "effect">): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/**
 * When a pod on a node with these NoExecute taints must be evicted, as upstream's taint eviction decides:
 * "now" when one is not tolerated, never when all are tolerated forever, else the earliest
 * `timeAdded + tolerationSeconds` over the tolerations that match.
 */
export function evictionTime(tolerations: Toleration[], taints: Taint[], now: number): number | "now" | "never" {
  let at = Infinity;
  for (const taint of taints.filter((t) => t.effect === "NoExecute")) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return "now";
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    for (const t of matching) if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) at = Math.min(at, added + Math.max(0, t.tolerationSeconds) * 1000);
  }
  return at === Infinity ? "never" : at;
}
