import type { NodeCondition, Taint } from "kubernetes-types/core/v1.js";
import { formatTime } from "../../api/meta.js";

export const UNREACHABLE = "node.kubernetes.io/unreachable";
export const NOT_READY = "node.kubernetes.io/not-ready";

const AGENT_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/**
 * The conditions of a node whose agent has gone quiet, as upstream's node lifecycle controller writes
 * them: each agent-owned condition turns Unknown ("Kubelet stopped posting node status."), keeping its
 * last heartbeat. Undefined when they already say so.
 */
export function unknownConditions(conditions: NodeCondition[], now: number): NodeCondition[] | undefined {
  if (conditions.find((c) => c.type === "Ready")?.status === "Unknown") return undefined;
  const byType = new Map(conditions.map((c) => [c.type, c]));
  const out = conditions.filter((c) => !AGENT_CONDITIONS.includes(c.type));
  for (const type of AGENT_CONDITIONS) {
    const old = byType.get(type);
    out.push({
      type, status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.",
      lastHeartbeatTime: old?.lastHeartbeatTime ?? formatTime(now), lastTransitionTime: formatTime(now),
    });
  }
  return out;
}

/**
 * The node's taints with the not-ready/unreachable pair matching its Ready condition (TaintNodesByCondition
 * for NoSchedule, taint-based eviction for NoExecute): unreachable when Unknown, not-ready when False,
 * neither when True. Existing taints keep their timeAdded. Undefined when nothing changes.
 */
export function conditionTaints(taints: Taint[], ready: string | undefined, now: number): Taint[] | undefined {
  const want = ready === "Unknown" ? UNREACHABLE : ready === "False" ? NOT_READY : undefined;
  const others = taints.filter((t) => !((t.key === UNREACHABLE || t.key === NOT_READY) && (t.effect === "NoSchedule" || t.effect === "NoExecute")));
  const ours = want
    ? (["NoSchedule", "NoExecute"] as const).map((effect) => taints.find((t) => t.key === want && t.effect === effect) ?? {
      key: want, effect, ...(effect === "NoExecute" ? { timeAdded: formatTime(now) } : {}),
    })
    : [];
  const next = [...others, ...ours];
  const same = next.length === taints.length && next.every((t) => taints.includes(t));
  return same ? undefined : next;
}
