import type { PodFailurePolicy } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";

export type FailureAction = "FailJob" | "FailIndex" | "Ignore" | "Count";

export interface PolicyMatch {
  action: FailureAction;
  /** Why, as upstream words it for the Job's Failed condition. */
  message: string;
}

/**
 * Upstream's matchPodFailurePolicy: the first rule that matches a failed pod decides what its failure
 * means. onExitCodes looks at terminated containers with a non-zero exit code (optionally one container
 * by name); onPodConditions at the pod's conditions. No match: the failure counts toward backoffLimit.
 */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch | undefined {
  const ref = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    const action = rule.action as FailureAction;
    const codes = rule.onExitCodes;
    if (codes) {
      for (const s of statuses) {
        const code = s.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        if (codes.containerName && codes.containerName !== s.name) continue;
        const listed = codes.values.includes(code);
        if (codes.operator === "In" ? listed : !listed) {
          return { action, message: `Container ${s.name} for pod ${ref} failed with exit code ${code} matching ${action} rule at index ${i}` };
        }
      }
    }
    for (const want of rule.onPodConditions ?? []) {
      const hit = (pod.status?.conditions ?? []).find((c) => c.type === want.type && c.status === (want.status ?? "True"));
      if (hit) return { action, message: `Pod ${ref} has condition ${hit.type} matching ${action} rule at index ${i}` };
    }
  }
  return undefined;
}
