import type { Container, EphemeralContainer, Pod, PodSpec } from "kubernetes-types/core/v1.js";

/**
 * An ephemeral container as the pod worker runs it: the same Container shape (the API server has refused
 * the fields an ephemeral container may not set: ports, probes, lifecycle, resources).
 */
export function asContainer(c: EphemeralContainer): Container {
  const { targetContainerName: _target, ...common } = c;
  return common as Container;
}

/**
 * Upstream's computePodActions for ephemeral containers: each one the spec names that has never had an
 * instance here is started, once; one that ran is never restarted, whatever it exited with.
 */
export function ephemeralToStart(spec: PodSpec, hadInstance: (name: string) => boolean): Container[] {
  return (spec.ephemeralContainers ?? []).filter((c) => !hadInstance(c.name)).map(asContainer);
}

/** The ephemeral containers of a pod, as Containers (for the status views, logs, exec and attach). */
export function ephemeralContainers(pod: Pod): Container[] {
  return (pod.spec?.ephemeralContainers ?? []).map(asContainer);
}
