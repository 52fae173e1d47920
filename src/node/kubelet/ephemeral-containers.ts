import type { Container, ContainerStatus, EphemeralContainer, Pod, PodSpec } from "kubernetes-types/core/v1.js";

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

/** The ephemeral containers the API says ran before this agent started (its status): they never run again. */
export function ranBefore(pod: Pod): Set<string> {
  const ran = (pod.status?.ephemeralContainerStatuses ?? []).filter((s) => s.state?.running !== undefined || s.state?.terminated !== undefined);
  return new Set(ran.map((s) => s.name));
}

/**
 * The status of an ephemeral container that ran before this agent started and has no instance here: a
 * termination stays as reported; one that was running is lost, as upstream's kubelet reports a container
 * it can no longer find (ContainerStatusUnknown, exit code 137).
 */
export function formerStatus(old: ContainerStatus | undefined): ContainerStatus | undefined {
  if (old?.state?.terminated) return old;
  if (!old?.state?.running) return undefined;
  return {
    ...old, ready: false, started: false,
    state: { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located when the pod was deleted.  The container used to be Running" } },
  };
}
