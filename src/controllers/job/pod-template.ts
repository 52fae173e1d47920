import type { Job, JobSpec } from "kubernetes-types/batch/v1.js";
import type { Container } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/types.js";
import { controllerRef } from "../kit/owner.js";
import { COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from "./plan.js";

/** Gives a container JOB_COMPLETION_INDEX from the pod's index annotation, as upstream's addCompletionIndexEnvVariable. */
function withIndexEnv(c: Container): Container {
  if ((c.env ?? []).some((e) => e.name === "JOB_COMPLETION_INDEX")) return c;
  return { ...c, env: [...(c.env ?? []), { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } }] };
}

/**
 * A pod for the Job from its template: owned by the Job, held by the job-tracking finalizer until it is
 * counted, and, for an Indexed Job, named `<job>-<index>-xxxxx` with the index as annotation, label,
 * JOB_COMPLETION_INDEX and hostname `<job>-<index>`.
 */
export function jobPod(job: KubeObject, index: number | undefined): KubeObject {
  const spec = ((job as Job).spec ?? {}) as JobSpec;
  const template = spec.template ?? {};
  const name = job.metadata.name!;
  const indexed = index !== undefined;
  const podSpec = { ...(template.spec ?? { containers: [] }) };
  if (indexed) {
    podSpec.containers = podSpec.containers.map(withIndexEnv);
    if (podSpec.initContainers) podSpec.initContainers = podSpec.initContainers.map(withIndexEnv);
    podSpec.hostname ??= `${name}-${index}`;
  }
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      generateName: indexed ? `${name}-${index}-` : `${name}-`, namespace: job.metadata.namespace,
      labels: { ...template.metadata?.labels, ...(indexed ? { [COMPLETION_INDEX]: String(index) } : {}) },
      annotations: indexed ? { ...template.metadata?.annotations, [COMPLETION_INDEX]: String(index) } : template.metadata?.annotations,
      finalizers: [...(template.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER],
      ownerReferences: [controllerRef(job, "batch/v1", "Job")],
    },
    spec: podSpec,
  };
}
