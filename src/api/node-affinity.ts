import type { KubeObject } from "./types.js";

type Json = Record<string, unknown>;
type Requirement = { key: string; operator: string; values?: string[] };
type Term = { matchExpressions?: Requirement[]; matchFields?: Requirement[] };

/** One node selector requirement against a node's labels (or fields), as upstream's NodeSelectorRequirementsAsSelector. */
export function matchRequirement(e: Requirement, labels: Record<string, string>): boolean {
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

/** Whether a node matches a NodeSelector's terms (ORed; each term's expressions and fields ANDed). */
export function matchesNodeSelectorTerms(terms: Term[], node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  return terms.some((t) => (t.matchExpressions ?? []).every((e) => matchRequirement(e, labels))
    && (t.matchFields ?? []).every((e) => matchRequirement(e, { "metadata.name": node.metadata.name! })));
}

function requiredTerms(podSpec: Json): Term[] {
  const required = (((podSpec.affinity as Json | undefined)?.nodeAffinity as Json | undefined)?.requiredDuringSchedulingIgnoredDuringExecution) as Json | undefined;
  return (required?.nodeSelectorTerms ?? []) as Term[];
}

/** Whether podFitsNode can refuse a node at all: the pod spec has a nodeSelector or required node affinity terms. */
export function constrainsNodes(podSpec: Json): boolean {
  return Object.keys((podSpec.nodeSelector ?? {}) as Json).length > 0 || requiredTerms(podSpec).length > 0;
}

/** A pod spec's nodeSelector plus its required node affinity, against one node (upstream's RequiredNodeAffinity). */
export function podFitsNode(podSpec: Json, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((podSpec.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const terms = requiredTerms(podSpec);
  return terms.length === 0 || matchesNodeSelectorTerms(terms, node);
}

/**
 * The node names a pod's required affinity pins it to through `metadata.name In [...]` in its only term,
 * as a DaemonSet pod's is; undefined when it may go anywhere its other constraints allow.
 */
export function pinnedNodeNames(podSpec: Json): string[] | undefined {
  const terms = requiredTerms(podSpec);
  if (terms.length !== 1) return undefined;
  const field = (terms[0]!.matchFields ?? []).find((f) => f.key === "metadata.name" && f.operator === "In");
  return field?.values;
}
