import type { Pod } from "kubernetes-types/core/v1.js";
import { REVISION_HASH_LABEL } from "../kit/history.js";
import { byAge, isAvailable, isReady } from "../kit/pod-state.js";
import type { NodeVerdict } from "./eligibility.js";

/** One node as the DaemonSet sees it: whether a daemon pod belongs there, and the daemon pods aimed at it. */
export interface NodeSlot {
  name: string;
  /** undefined when the node no longer exists (its pods are removed). */
  verdict: NodeVerdict | undefined;
  pods: Pod[];
}

export interface DaemonPlan {
  createOn: string[];
  delete: Pod[];
  /** Failed pods among `delete`, for the FailedDaemonPod event. */
  failed: Pod[];
}

const emptyPlan = (): DaemonPlan => ({ createOn: [], delete: [], failed: [] });

export function isUpdated(pod: Pod, hash: string): boolean {
  return pod.metadata?.labels?.[REVISION_HASH_LABEL] === hash;
}

/**
 * Upstream's manage (podsShouldBeOnNode for every node): a pod where one should run and none is (a pod
 * still terminating counts as one); failed and succeeded pods deleted (failed ones unless their node is
 * backing off); duplicates trimmed to the oldest (with surge: the oldest old and oldest new pod, until the
 * new one is available); pods on nodes that may not keep them, or that are gone, deleted.
 */
export function planNodes(slots: NodeSlot[], opts: { hash: string; allowsSurge: boolean; minReadySeconds: number; now: number; backingOff(node: string): boolean }): DaemonPlan {
  const plan = emptyPlan();
  for (const slot of slots) {
    const live = slot.pods.filter((p) => !p.metadata?.deletionTimestamp);
    if (!slot.verdict || !slot.verdict.shouldContinueRunning) {
      plan.delete.push(...live);
      continue;
    }
    if (slot.verdict.shouldRun && slot.pods.length === 0) {
      plan.createOn.push(slot.name);
      continue;
    }
    const running: Pod[] = [];
    for (const pod of live) {
      const phase = pod.status?.phase;
      if (phase === "Failed") {
        if (opts.backingOff(slot.name)) continue;
        plan.delete.push(pod);
        plan.failed.push(pod);
      } else if (phase === "Succeeded") plan.delete.push(pod);
      else running.push(pod);
    }
    if (running.length <= 1) continue;
    running.sort(byAge);
    if (!opts.allowsSurge) {
      plan.delete.push(...running.slice(1));
      continue;
    }
    let oldestNew: Pod | undefined, oldestOld: Pod | undefined;
    for (const pod of running) {
      if (isUpdated(pod, opts.hash) ? !oldestNew && (oldestNew = pod) : !oldestOld && (oldestOld = pod)) continue;
      plan.delete.push(pod);
    }
    if (oldestNew && oldestOld && (!isReady(oldestOld) || isAvailable(oldestNew, opts.minReadySeconds, opts.now))) plan.delete.push(oldestOld);
  }
  return plan;
}

/** The node's one new and one old pod; undefined when it has more than one of either (manage trims those). */
function podsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined, oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isUpdated(pod, hash)) {
      if (newPod) return undefined;
      newPod = pod;
    } else {
      if (oldPod) return undefined;
      oldPod = pod;
    }
  }
  return { newPod, oldPod };
}

export interface RollingLimits {
  maxSurge: number;
  maxUnavailable: number;
}

/**
 * Upstream's rollingUpdate for nodes that should run the daemon. Without surge: delete old pods that are
 * unavailable anyway, and old available ones while fewer than maxUnavailable nodes are unavailable (the
 * next manage puts a new pod where one was deleted). With surge: start new pods beside old ones on up to
 * maxSurge nodes, and delete each old pod once the new one beside it is available.
 */
export function planRollingUpdate(slots: NodeSlot[], hash: string, limits: RollingLimits, minReadySeconds: number, now: number): DaemonPlan {
  const plan = emptyPlan();
  const available = (p: Pod) => isAvailable(p, minReadySeconds, now);
  const desired = slots.filter((s) => s.verdict?.shouldRun);
  if (limits.maxSurge === 0) {
    let unavailable = 0;
    const candidates: Pod[] = [];
    for (const slot of desired) {
      const found = podsOnNode(slot.pods, hash);
      if (!found || (!found.oldPod && !found.newPod) || (found.oldPod && found.newPod)) unavailable++;
      else if (found.newPod) {
        if (!available(found.newPod)) unavailable++;
      } else if (!available(found.oldPod!)) plan.delete.push(found.oldPod!);
      else if (unavailable < limits.maxUnavailable) candidates.push(found.oldPod!);
    }
    plan.delete.push(...candidates.slice(0, Math.max(0, limits.maxUnavailable - unavailable)));
    return plan;
  }
  let surging = 0;
  const candidates: string[] = [];
  for (const slot of desired) {
    const found = podsOnNode(slot.pods, hash);
    if (!found?.oldPod) continue;
    if (!found.newPod) {
      if (!available(found.oldPod)) plan.createOn.push(slot.name);
      else if (surging < limits.maxSurge) candidates.push(slot.name);
    } else if (!available(found.newPod)) surging++;
    else plan.delete.push(found.oldPod);
  }
  plan.createOn.push(...candidates.slice(0, Math.max(0, limits.maxSurge - surging)));
  return plan;
}

export interface DaemonCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  numberAvailable: number;
  updatedNumberScheduled: number;
  numberUnavailable: number;
}

/** Upstream's updateDaemonSetStatus counts: each node is judged by its oldest daemon pod. */
export function daemonCounts(slots: NodeSlot[], hash: string, minReadySeconds: number, now: number): DaemonCounts {
  const c: DaemonCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0, numberUnavailable: 0 };
  for (const slot of slots) {
    if (!slot.verdict) continue;
    const scheduled = slot.pods.length > 0;
    if (!slot.verdict.shouldRun) {
      if (scheduled) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!scheduled) continue;
    c.currentNumberScheduled++;
    const pod = [...slot.pods].sort(byAge)[0]!;
    if (isReady(pod)) {
      c.numberReady++;
      if (isAvailable(pod, minReadySeconds, now)) c.numberAvailable++;
    }
    if (isUpdated(pod, hash)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}
