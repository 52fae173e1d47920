import type { Toleration } from "kubernetes-types/core/v1.js";
import { podFitsNode } from "../../api/node-affinity.js";
import { tolerates, type Taint } from "../../api/taints.js";
import type { KubeObject } from "../../api/types.js";

type Json = Record<string, unknown>;

/**
 * The tolerations upstream's AddOrUpdateDaemonPodTolerations gives every daemon pod, so a node's
 * conditions neither keep its daemons off nor evict them: not-ready and unreachable (NoExecute, for
 * ever), disk/memory/pid pressure and unschedulable (NoSchedule), and network-unavailable for host
 * network pods.
 */
export function daemonTolerations(podSpec: Json): Toleration[] {
  const own = (podSpec.tolerations ?? []) as Toleration[];
  const auto: Toleration[] = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  ];
  if (podSpec.hostNetwork === true) auto.push({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });
  const same = (a: Toleration, b: Toleration) => a.key === b.key && a.effect === b.effect && a.operator === b.operator;
  return [...own.filter((t) => !auto.some((a) => same(a, t))), ...auto];
}

export interface NodeVerdict {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

/**
 * Upstream's NodeShouldRunDaemonPod: the template (with the daemon tolerations) must fit the node's name,
 * selector and affinity; an untolerated NoSchedule taint keeps new pods off, an untolerated NoExecute
 * taint also removes running ones.
 */
export function nodeShouldRunDaemonPod(node: KubeObject, podSpec: Json): NodeVerdict {
  const nodeName = podSpec.nodeName as string | undefined;
  if ((nodeName && nodeName !== node.metadata.name) || !podFitsNode(podSpec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(podSpec);
  let shouldRun = true;
  for (const taint of ((node.spec as Json | undefined)?.taints ?? []) as Taint[]) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (tolerates(tolerations, taint)) continue;
    if (taint.effect === "NoExecute") return { shouldRun: false, shouldContinueRunning: false };
    shouldRun = false;
  }
  return { shouldRun, shouldContinueRunning: true };
}

/**
 * The spec of the daemon pod for `nodeName`: the template's, with the daemon tolerations and its required
 * node affinity replaced by `metadata.name In [nodeName]` (upstream's ReplaceDaemonSetPodNodeNameNodeAffinity),
 * so the scheduler binds it there and nowhere else.
 */
export function daemonPodSpec(podSpec: Json, nodeName: string): Json {
  const affinity = { ...(podSpec.affinity as Json | undefined) };
  affinity.nodeAffinity = {
    ...(affinity.nodeAffinity as Json | undefined),
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }] },
  };
  return { ...podSpec, affinity, tolerations: daemonTolerations(podSpec) };
}
