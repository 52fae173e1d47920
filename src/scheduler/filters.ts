import { tolerates, type Taint, type Toleration } from "../api/taints.js";
import type { KubeObject } from "../api/types.js";
import type { NodeInfo, PodDemand } from "./node-info.js";

type Json = Record<string, unknown>;

function matchExpression(e: { key: string; operator: string; values?: string[] }, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  const v = labels[e.key];
  switch (e.operator) {
    case "In": return has && (e.values ?? []).includes(v!);
    case "NotIn": return !has || !(e.values ?? []).includes(v!);
    case "Exists": return has;
    case "DoesNotExist": return !has;
    case "Gt": return has && Number(v) > Number(e.values?.[0]);
    case "Lt": return has && Number(v) < Number(e.values?.[0]);
    default: return false;
  }
}

/** nodeSelector plus required node affinity (terms ORed, expressions ANDed; matchFields on metadata.name). */
export function matchesNodeSelector(pod: KubeObject, node: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as Json;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const required = ((((spec.affinity as Json | undefined)?.nodeAffinity as Json | undefined)?.requiredDuringSchedulingIgnoredDuringExecution) as Json | undefined);
  const terms = (required?.nodeSelectorTerms ?? []) as Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>; matchFields?: Array<{ key: string; operator: string; values?: string[] }> }>;
  if (terms.length === 0) return true;
  return terms.some((t) => (t.matchExpressions ?? []).every((e) => matchExpression(e, labels))
    && (t.matchFields ?? []).every((e) => matchExpression(e, { "metadata.name": node.metadata.name! })));
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
  if (!matchesNodeSelector(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
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
