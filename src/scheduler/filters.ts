import { constrainsNodes, podFitsNode } from "../api/node-affinity.js";
import { tolerates, type Toleration } from "../api/taints.js";
import type { KubeObject } from "../api/types.js";
import { controllerOf, podDemand, type NodeInfo, type PodDemand } from "./node-info.js";

type Json = Record<string, unknown>;

export const NODE_AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";

/** nodeSelector plus required node affinity (terms ORed, expressions ANDed; matchFields on metadata.name). */
export function matchesNodeSelector(pod: KubeObject, node: KubeObject): boolean {
  return podFitsNode((pod.spec ?? {}) as Json, node);
}

/** What the filters need of a pod, worked out once per scheduling attempt instead of once per node. */
export interface PodFacts {
  pod: KubeObject;
  demand: PodDemand;
  tolerations: Toleration[];
  /** The pod has a nodeSelector or required node affinity to check. */
  constrained: boolean;
  /** The uid of the pod's controller (for spreading), if any. */
  owner: string | undefined;
}

/** A node that takes the pod has no reasons not to; shared, never written to. */
const FITS: readonly string[] = Object.freeze([]);

export function podFacts(pod: KubeObject): PodFacts {
  const spec = (pod.spec ?? {}) as Json;
  return {
    pod,
    demand: podDemand(pod),
    tolerations: (spec.tolerations ?? []) as Toleration[],
    constrained: constrainsNodes(spec),
    owner: controllerOf(pod),
  };
}

/**
 * Runs upstream's filter plugins on one node and returns why it can't take the pod (reasons as the
 * FailedScheduling message counts them), or FITS.
 */
export function filterNode(facts: PodFacts, info: NodeInfo): readonly string[] {
  const { tolerations, demand } = facts;
  if (info.unschedulable && !tolerates(tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })) {
    return ["node(s) were unschedulable"];
  }
  if (facts.constrained && !matchesNodeSelector(facts.pod, info.node)) return [NODE_AFFINITY_MISMATCH];
  // Indexed: most nodes have no taints, and an iterator over none costs more than the check.
  for (let i = 0; i < info.taints.length; i++) {
    const taint = info.taints[i]!;
    if (!tolerates(tolerations, taint)) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`];
  }
  const tooMany = info.pods + 1 > info.allocatable.pods;
  const cpu = demand.milliCpu > 0 && info.milliCpu + demand.milliCpu > info.allocatable.milliCpu;
  const memory = demand.memory > 0 && info.memory + demand.memory > info.allocatable.memory;
  const ports = demand.hostPorts.length > 0 && demand.hostPorts.some((p) => info.ports.conflicts(p));
  if (!tooMany && !cpu && !memory && !ports) return FITS;
  const reasons: string[] = [];
  if (tooMany) reasons.push("Too many pods");
  if (cpu) reasons.push("Insufficient cpu");
  if (memory) reasons.push("Insufficient memory");
  if (ports) reasons.push("node(s) didn't have free ports for the requested pod ports");
  return reasons;
}
