import type { KubeObject } from "../api/types.js";
import { filterNode, NODE_AFFINITY_MISMATCH, podFacts, type PodFacts } from "./filters.js";
import { VOLUME_NODE_CONFLICT } from "./volumes.js";
import type { NodeInfo } from "./node-info.js";

export type ScheduleResult = { node: string } | { unschedulable: string };

/** Upstream's percentageOfNodesToScore: look at fewer nodes in big clusters, never fewer than 100. */
export function nodesToFind(total: number): number {
  if (total <= 100) return total;
  const percentage = Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(100, Math.floor((total * percentage) / 100));
}

const free = (used: number, want: number, cap: number) => (cap <= 0 ? 0 : Math.max(0, ((cap - used - want) * 100) / cap));

/** LeastAllocated over cpu and memory (0–100), plus spreading pods of one owner across nodes. */
export function scoreNode(facts: PodFacts, info: NodeInfo): number {
  const { demand, owner } = facts;
  const least = (free(info.milliCpu, demand.milliCpu || 100, info.allocatable.milliCpu) + free(info.memory, demand.memory || 200 * 2 ** 20, info.allocatable.memory)) / 2;
  const spread = owner ? 100 / (1 + (info.ownerCounts.get(owner) ?? 0)) : 100;
  return least + spread;
}

/**
 * Picks a node for `pod` among `nodes` (all `total` nodes, or those a pin left): filters (from a rotating
 * start, stopping once enough feasible nodes are found), scores, breaks ties at random. Unschedulable pods
 * get upstream's message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
 * In one pass over the nodes, scoring each feasible one as it is found: a pod looks at hundreds of nodes.
 */
export function schedulePod(
  pod: KubeObject, nodes: NodeInfo[], start: number, random: () => number = Math.random, total = nodes.length, volumesFit?: (node: KubeObject) => boolean,
): ScheduleResult {
  const facts = podFacts(pod);
  const want = nodesToFind(nodes.length);
  const n = nodes.length;
  let feasible = 0;
  let reasons: Map<string, number> | undefined;
  const best: NodeInfo[] = [];
  let bestScore = -Infinity;
  for (let i = 0, at = start % n; i < n && feasible < want; i++, at = at + 1 === n ? 0 : at + 1) {
    const info = nodes[at]!;
    let why = filterNode(facts, info);
    if (why.length === 0 && volumesFit && !volumesFit(info.node)) why = [VOLUME_NODE_CONFLICT];
    if (why.length > 0) {
      reasons ??= new Map();
      for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      continue;
    }
    feasible++;
    const score = scoreNode(facts, info);
    if (score > bestScore) {
      bestScore = score;
      best.length = 0;
      best.push(info);
    } else if (score === bestScore) best.push(info);
  }
  if (feasible === 0) {
    // Nodes left out beforehand (a pod pinned by metadata.name affinity) failed its node affinity.
    if (total > n) (reasons ??= new Map()).set(NODE_AFFINITY_MISMATCH, (reasons.get(NODE_AFFINITY_MISMATCH) ?? 0) + total - n);
    const parts = [...(reasons ?? [])].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, count]) => `${count} ${r}`);
    return { unschedulable: `0/${total} nodes are available: ${parts.join(", ")}.` };
  }
  return { node: best[Math.floor(random() * best.length)]!.name };
}
