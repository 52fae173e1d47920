import { defaultPod } from "../../api/defaults/pod.js";
import type { KubeObject } from "../../api/types.js";
import { validateEphemeralContainers, validateNoEphemeralContainersOnCreate } from "../../api/validation/ephemeral-containers.js";
import { validatePodSpec, validatePodSpecUpdate } from "../../api/validation/pod.js";
import type { Strategy } from "../resource.js";

type Json = Record<string, unknown>;

/** Upstream's GetPodQOS: BestEffort with no requests or limits, Guaranteed when limits equal requests for cpu and memory. */
export function qosClass(spec: Json): string {
  const containers = [...(spec.initContainers as Json[] ?? []), ...(spec.containers as Json[] ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const resources = (c.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
    const requests = { ...resources.limits, ...resources.requests };
    const limits = resources.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      if (requests[r] !== undefined || limits[r] !== undefined) any = true;
      if (limits[r] === undefined || (requests[r] !== undefined && requests[r] !== limits[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

export interface PodStrategyOptions {
  notReadyTolerationSeconds: number;
  unreachableTolerationSeconds: number;
}

export function podStrategy(opts: PodStrategyOptions): Strategy {
  return {
    status: true,
    generation: false,
    defaults: (pod) => defaultPod(pod, { notReady: opts.notReadyTolerationSeconds, unreachable: opts.unreachableTolerationSeconds }),
    prepareForCreate(pod: KubeObject) {
      pod.status = { phase: "Pending", qosClass: qosClass((pod.spec ?? {}) as Json) };
    },
    // Upstream's pod status strategy keeps the owner references (old kubelets corrupted them) and backfills
    // the QoS class a status write dropped.
    prepareForStatusUpdate(pod, old) {
      if (old.metadata.ownerReferences === undefined) delete pod.metadata.ownerReferences;
      else pod.metadata.ownerReferences = old.metadata.ownerReferences;
      const status = pod.status as Json | undefined;
      const was = (old.status as Json | undefined)?.qosClass;
      if (status && !status.qosClass && was) pod.status = { ...status, qosClass: was };
    },
    validate: (pod) => [
      ...validatePodSpec(pod.spec, "spec"),
      ...(typeof pod.spec === "object" && pod.spec !== null ? validateEphemeralContainers(pod.spec as Json, "spec") : []),
    ],
    validateCreate: (pod) => validateNoEphemeralContainersOnCreate((pod.spec ?? {}) as Json),
    validateUpdate: (pod, old) => validatePodSpecUpdate((pod.spec ?? {}) as Json, (old.spec ?? {}) as Json, "spec"),
    gracePeriod(pod, requested) {
      const spec = (pod.spec ?? {}) as Json;
      const phase = ((pod.status ?? {}) as Json).phase;
      // Never scheduled, or already finished: nothing runs that needs time to stop.
      if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
      return Math.max(0, requested ?? (spec.terminationGracePeriodSeconds as number | undefined) ?? 30);
    },
  };
}
