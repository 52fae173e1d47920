import { formatTime } from "../../api/meta.js";
import type { KubeObject } from "../../api/types.js";

type Json = Record<string, unknown>;

/** What a stage does to a pod: patch its status, or finish deleting it. */
export type StageAction = { status: Json } | { delete: true };

/**
 * One step of a simulated pod's life, KWOK-style: which pods it applies to, how long after the pod got
 * there it fires (delay ± jitter), and what it does.
 */
export interface Stage {
  name: string;
  selects(pod: KubeObject): boolean;
  delayMs: number;
  jitterMs: number;
  act(pod: KubeObject, ctx: { now: number; podIP: string; hostIP: string }): StageAction;
}

const phase = (pod: KubeObject) => ((pod.status ?? {}) as Json).phase as string | undefined;
const containers = (pod: KubeObject) => (((pod.spec ?? {}) as Json).containers ?? []) as Json[];

function runningStatus(pod: KubeObject, ctx: { now: number; podIP: string; hostIP: string }): Json {
  const t = formatTime(ctx.now);
  const cond = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: t });
  return {
    phase: "Running",
    conditions: [cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")],
    hostIP: ctx.hostIP, hostIPs: [{ ip: ctx.hostIP }], podIP: ctx.podIP, podIPs: [{ ip: ctx.podIP }], startTime: t,
    containerStatuses: containers(pod).map((c) => ({
      name: c.name, image: c.image, imageID: `simulated://${String(c.image)}`, containerID: `simulated://${ctx.podIP}-${String(c.name)}`,
      ready: true, started: true, restartCount: 0, state: { running: { startedAt: t } }, lastState: {},
    })),
  };
}

/** A finished pod's status, as the kubelet writes it when every container exited 0. */
function succeededStatus(pod: KubeObject, now: number): Json {
  const t = formatTime(now);
  const status = (pod.status ?? {}) as Json;
  const cond = (type: string, value: string) => ({ type, status: value, lastProbeTime: null, lastTransitionTime: t, ...(value === "False" ? { reason: "PodCompleted" } : {}) });
  return {
    phase: "Succeeded",
    conditions: [cond("PodReadyToStartContainers", "False"), cond("Initialized", "True"), cond("Ready", "False"), cond("ContainersReady", "False"), cond("PodScheduled", "True")],
    containerStatuses: ((status.containerStatuses ?? []) as Json[]).map((c) => ({
      ...c, ready: false, started: false,
      state: { terminated: { exitCode: 0, reason: "Completed", startedAt: ((c.state as Json | undefined)?.running as Json | undefined)?.startedAt ?? t, finishedAt: t, containerID: c.containerID } },
    })),
  };
}

/**
 * A deleted pod's last status, as the kubelet writes it after killing its containers (exit 137): Failed,
 * not ready, its other conditions (DisruptionTarget among them) kept.
 */
function killedStatus(pod: KubeObject, now: number): Json {
  const t = formatTime(now);
  const status = (pod.status ?? {}) as Json;
  const conditions = ((status.conditions ?? []) as Json[]).map((c) => (c.type === "Ready" || c.type === "ContainersReady") && c.status !== "False"
    ? { ...c, status: "False", reason: "PodFailed", lastTransitionTime: t } : c);
  return {
    phase: "Failed", conditions,
    containerStatuses: ((status.containerStatuses ?? []) as Json[]).map((c) => ({
      ...c, ready: false, started: false,
      state: { terminated: { exitCode: 137, reason: "Error", startedAt: ((c.state as Json | undefined)?.running as Json | undefined)?.startedAt ?? t, finishedAt: t, containerID: c.containerID } },
    })),
  };
}

const ownedByJob = (pod: KubeObject) => (pod.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === "Job");

/** A deleted pod that a Job still holds (its finalizer): the kubelet ends it Failed, and the Job counts it. */
const POD_KILLED: Stage = {
  name: "pod-killed",
  selects: (pod) => !!pod.metadata.deletionTimestamp && phase(pod) !== "Succeeded" && phase(pod) !== "Failed" && ownedByJob(pod) && (pod.metadata.finalizers ?? []).length > 0,
  delayMs: 0,
  jitterMs: 0,
  act: (pod, ctx) => ({ status: killedStatus(pod, ctx.now) }),
};

/** Fast: a bound pod runs and is ready within tens of milliseconds; a deleted pod goes at once. */
export const FAST_STAGES: Stage[] = [
  POD_KILLED,
  {
    name: "pod-delete",
    selects: (pod) => !!pod.metadata.deletionTimestamp,
    delayMs: 0,
    jitterMs: 0,
    act: () => ({ delete: true }),
  },
  {
    name: "pod-ready",
    selects: (pod) => !pod.metadata.deletionTimestamp && phase(pod) === "Pending",
    delayMs: 5,
    jitterMs: 20,
    act: (pod, ctx) => ({ status: runningStatus(pod, ctx) }),
  },
  {
    // As KWOK's pod-complete stage: a Job's pods finish successfully soon after they start.
    name: "pod-complete",
    selects: (pod) => !pod.metadata.deletionTimestamp && phase(pod) === "Running" && ownedByJob(pod),
    delayMs: 5,
    jitterMs: 20,
    act: (pod, ctx) => ({ status: succeededStatus(pod, ctx.now) }),
  },
];

/** Chaos: like fast, but every pod is slow to start and a tenth never become ready. */
export const CHAOS_STAGES: Stage[] = [
  ...FAST_STAGES.filter((s) => s.name === "pod-killed" || s.name === "pod-delete"),
  {
    name: "pod-ready-slow",
    selects: (pod) => !pod.metadata.deletionTimestamp && phase(pod) === "Pending",
    delayMs: 500,
    jitterMs: 2000,
    act: (pod, ctx) => {
      const status = runningStatus(pod, ctx);
      const unlucky = [...String(pod.metadata.uid)].reduce((a, ch) => a + ch.charCodeAt(0), 0) % 10 === 0;
      if (unlucky) {
        for (const c of status.containerStatuses as Json[]) c.ready = false;
        for (const c of status.conditions as Json[]) if (c.type === "Ready" || c.type === "ContainersReady") c.status = "False";
      }
      return { status };
    },
  },
];

export const STAGE_SETS: Record<string, Stage[]> = { fast: FAST_STAGES, chaos: CHAOS_STAGES };
