import type { ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js";
import { formatTime } from "../../api/meta.js";
import type { ContainerStatus } from "../runtime/runtime.js";
import { formerStatus } from "./ephemeral-containers.js";

/** What the node agent knows about one container of a pod. */
export interface ContainerView {
  name: string;
  image: string;
  /** The runtime's current instance, if one was created. */
  current?: ContainerStatus;
  /** The instance before it (the pod's lastState), if any. */
  last?: ContainerStatus;
  /** Why no instance runs now, when the agent is holding it back (ErrImagePull, CrashLoopBackOff…). */
  waiting?: { reason: string; message?: string };
  restartCount: number;
  ready: boolean;
  started: boolean;
}

export interface PodView {
  sandboxReady: boolean;
  podIP?: string;
  hostIP: string;
  init: ContainerView[];
  containers: ContainerView[];
  /** The ephemeral containers (never ready, never restarted, outside the pod's phase). */
  ephemeral?: ContainerView[];
  /** Set once the pod has ended for good (deadline, or containers that will not restart). */
  terminal?: { phase: "Succeeded" | "Failed"; reason?: string; message?: string };
  startTime: number;
  /** The runtime's name, the scheme of container IDs (`containerd://…`); default `process`. */
  runtimeName?: string;
}

function terminated(c: ContainerStatus, scheme: string): object {
  return {
    exitCode: c.exitCode ?? 0, reason: c.reason ?? (c.exitCode === 0 ? "Completed" : "Error"),
    ...(c.message ? { message: c.message } : {}),
    startedAt: formatTime(c.startedAt ?? c.createdAt), finishedAt: formatTime(c.finishedAt ?? c.createdAt), containerID: `${scheme}://${c.id}`,
  };
}

function apiContainerStatus(v: ContainerView, notYet: string, scheme: string): ApiContainerStatus {
  const c = v.current;
  let state: object;
  let last = v.last;
  if (v.waiting) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    if (c?.state === "exited") last = c;
  } else if (c?.state === "running") {
    state = { running: { startedAt: formatTime(c.startedAt ?? c.createdAt) } };
  } else if (c?.state === "exited") {
    state = { terminated: terminated(c, scheme) };
  } else {
    state = { waiting: { reason: notYet } };
  }
  const shown = c ?? v.last;
  return {
    name: v.name, state, lastState: last && last.state === "exited" ? { terminated: terminated(last, scheme) } : {},
    ready: v.ready, restartCount: v.restartCount, image: v.image, imageID: shown ? shown.image.id : "",
    ...(shown ? { containerID: `${scheme}://${shown.id}` } : {}), started: c?.state === "running" && v.started,
  } as ApiContainerStatus;
}

/** Upstream's getPhase over init containers and containers. */
export function podPhase(restartPolicy: string, init: ContainerView[], containers: ContainerView[]): "Pending" | "Running" | "Succeeded" | "Failed" {
  for (const v of init) {
    const c = v.current;
    if (c?.state === "exited" && c.exitCode === 0) continue;
    if (c?.state === "exited" && restartPolicy === "Never") return "Failed";
    return "Pending";
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const v of containers) {
    const c = v.current;
    if (v.waiting) {
      if (c?.state === "exited" || v.last) stopped++;
      else waiting++;
    } else if (c?.state === "running") running++;
    else if (c?.state === "exited") {
      stopped++;
      if (c.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

/**
 * Upstream's GeneratePodInitializedCondition: True without init containers, with reason PodCompleted once
 * the pod has succeeded, and as soon as a regular container has run; otherwise False while an init
 * container has not completed — also when the pod failed because one of them did (restartPolicy Never).
 */
function initialized(view: PodView, phase: string, pending: string[], cond: (type: string, ok: boolean, reason?: string, message?: string) => PodCondition): PodCondition {
  if (view.init.length === 0) return cond("Initialized", true);
  if (phase === "Succeeded") return cond("Initialized", true, "PodCompleted");
  const regularStarted = view.containers.some((v) => !v.waiting && (v.current?.state === "running" || v.current?.state === "exited"));
  if (regularStarted || pending.length === 0) return cond("Initialized", true);
  return cond("Initialized", false, "ContainersNotInitialized", `containers with incomplete status: [${pending.join(" ")}]`);
}

/** The pod's status as the node agent reports it; conditions keep their transition times when unchanged. */
export function podStatus(pod: Pod, view: PodView, now: number): PodStatus {
  const old = pod.status ?? {};
  const scheme = view.runtimeName ?? "process";
  const restartPolicy = pod.spec?.restartPolicy ?? "Always";
  const phase = view.terminal?.phase ?? podPhase(restartPolicy, view.init, view.containers);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const pendingInit = view.init.filter((v) => !(v.current?.state === "exited" && v.current.exitCode === 0)).map((v) => v.name);
  const unready = view.containers.filter((v) => !v.ready).map((v) => v.name);

  const cond = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const previous = old.conditions?.find((c) => c.type === type);
    const status = ok ? "True" : "False";
    return {
      type, status, lastProbeTime: null as unknown as string,
      lastTransitionTime: previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : formatTime(now),
      ...(reason ? { reason } : {}), ...(message ? { message } : {}),
    };
  };
  // Ready and ContainersReady say the same (no readiness gates here), each with its own transition time.
  const readiness = (type: string) => (terminal
    ? cond(type, false, "PodCompleted")
    : cond(type, unready.length === 0, unready.length ? "ContainersNotReady" : undefined, unready.length ? `containers with unready status: [${unready.join(" ")}]` : undefined));
  const conditions: PodCondition[] = [
    cond("PodReadyToStartContainers", view.sandboxReady),
    initialized(view, phase, pendingInit, cond),
    readiness("Ready"),
    readiness("ContainersReady"),
    ...(old.conditions ?? []).filter((c) => !["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"].includes(c.type)),
  ];

  // As upstream's convertToAPIContainerStatuses: a container not created yet is waiting in PodInitializing
  // when the pod has init containers, in ContainerCreating otherwise.
  const initWaiting = view.init.length > 0 ? "PodInitializing" : "ContainerCreating";
  return {
    ...old,
    phase,
    conditions,
    ...(view.terminal?.reason ? { reason: view.terminal.reason, message: view.terminal.message } : {}),
    hostIP: view.hostIP, hostIPs: [{ ip: view.hostIP }],
    ...(view.podIP ? { podIP: view.podIP, podIPs: [{ ip: view.podIP }] } : {}),
    startTime: old.startTime ?? formatTime(view.startTime),
    ...(view.init.length ? { initContainerStatuses: view.init.map((v) => apiContainerStatus(v, "PodInitializing", scheme)) } : {}),
    containerStatuses: view.containers.map((v) => apiContainerStatus(v, initWaiting, scheme)),
    ...(view.ephemeral?.length ? { ephemeralContainerStatuses: view.ephemeral.map((v) => (!v.current && !v.waiting
      ? formerStatus(old.ephemeralContainerStatuses?.find((s) => s.name === v.name))
      : undefined) ?? apiContainerStatus(v, initWaiting, scheme)) } : {}),
  };
}
