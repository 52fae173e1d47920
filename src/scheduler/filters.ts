import { podFitsNode } from "../api/node-affinity.js";
import { tolerates, type Taint, type Toleration } from "../api/taints.js";
import type { KubeObject } from "../api/types.js";
import type { NodeInfo, PodDemand } from "./node-info.js";

type Json = Record<string, unknown>;

export const NODE_AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";

/** nodeSelector plus required node affinity (terms ORed, expressions ANDed; matchFields on metadata.name). */
export function matchesNodeSelector(pod: KubeObject, node: KubeObject): boolean {
  return podFitsNode((pod.spec ?? {}) as Json, node);
}

/**
 * Runs upstream's filter plugins on one node and returns why it can't take the pod (reasons as the
 * FailedScheduling message counts them), or an empty list when it fits.
 */
export function filterNode(pod: KubeObject, demand: PodDemand, info: NodeInfo): string[] {
  const spec = (pod.spec ?? {}) as Json;
  const node = info.node;
  const nodeSpec = (node.spec ?? {}) as Json;
  const tolerations = (spec.tolerations ?? []) as Toleration[];
  if (nodeSpec.unschedulable && !tolerates(tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })) {
    return ["node(s) were unschedulable"];
  }
  if (!matchesNodeSelector(pod, node)) return [NODE_AFFINITY_MISMATCH];
  for (const taint of (nodeSpec.taints ?? []) as Taint[]) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!tolerates(tolerations, taint)) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`];
  }
  const reasons: string[] = [];
  if (info.pods + 1 > info.allocatable.pods) reasons.push("Too many pods");
  if (demand.milliCpu > 0 && info.milliCpu + demand.milliCpu > info.allocatable.milliCpu) reasons.push("Insufficient cpu");
  if (demand.memory > 0 && info.memory + demand.memory > info.allocatable.memory) reasons.push("Insufficient memory");
  if (demand.hostPorts.some((p) => (info.ports.get(p) ?? 0) > 0)) reasons.push("node(s) didn't have free ports for the requested pod ports");
  return reasons;
}
