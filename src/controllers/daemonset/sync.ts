import type { DaemonSetSpec } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { DAEMONSET_TEMPLATE_GENERATION_ANNOTATION } from "../../api/apps.js";
import { scaledValue } from "../../api/intstr.js";
import { selectorFromLabelSelector } from "../../api/labels.js";
import { pinnedNodeNames } from "../../api/node-affinity.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock } from "../../client/clock.js";
import type { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { DAEMONSETS, PODS } from "../../client/resources.js";
import { claimCandidates, claimChildren } from "../kit/claim.js";
import type { Expectations } from "../kit/expectations.js";
import { REVISION_HASH_LABEL, type ControllerHistory } from "../kit/history.js";
import type { SyncResult } from "../kit/loop.js";
import { writeStatusIfChanged } from "../kit/status.js";
import { controllerRef, splitKey } from "../kit/owner.js";
import type { PodControl, PodWriteFailure } from "../kit/pod-control.js";
import { isAvailable, isReady } from "../kit/pod-state.js";
import { daemonPodSpec, nodeShouldRunDaemonPod } from "./eligibility.js";
import { daemonCounts, planNodes, planRollingUpdate, type DaemonPlan, type NodeSlot, type RollingLimits } from "./plan.js";

type Json = Record<string, unknown>;

/** The deprecated label with the DaemonSet's template generation that upstream still puts on daemon pods. */
const TEMPLATE_GENERATION_LABEL = "pod-template-generation";

export interface DaemonSetSyncDeps {
  daemonSets: Informer;
  pods: Informer;
  nodes: Informer;
  history: ControllerHistory;
  expectations: Expectations;
  podControl: PodControl;
  recorder: EventRecorder;
  clock: Clock;
  /** Failed daemon pods are replaced at most this often per node (upstream: 1 s doubling to 15 min). */
  failedPods: { inBackoff(key: string, now: number): number; next(key: string, now: number): void };
}

/** maxSurge/maxUnavailable over the nodes that should run the daemon (percentages round up; never both 0). */
export function rollingLimits(spec: DaemonSetSpec, desired: number): RollingLimits {
  const ru = spec.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true) ?? 0;
  const maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true) ?? 1;
  return maxSurge === 0 && maxUnavailable === 0 ? { maxSurge: 0, maxUnavailable: 1 } : { maxSurge, maxUnavailable };
}

/**
 * One sync of a DaemonSet: make its revision for the current template, claim its pods, and, unless earlier
 * writes are still unobserved, put one pod on every node that should run it and none elsewhere; then roll
 * old pods over (RollingUpdate) and trim the history; finally write the status.
 */
export class DaemonSetSync {
  constructor(private readonly client: RestClient, private readonly d: DaemonSetSyncDeps) {}

  async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const ds = this.d.daemonSets.lister().get(namespace, name);
    if (!ds) {
      this.d.expectations.forget(key);
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const template = (spec.template ?? {}) as Json;
    const revision = await this.d.history.ensure({ object: ds, apiVersion: "apps/v1", kind: "DaemonSet", resource: DAEMONSETS, template });
    const { hash } = revision;
    const selector = selectorFromLabelSelector(spec.selector);
    const claimed = await claimChildren(this.client, { object: ds, apiVersion: "apps/v1", kind: "DaemonSet", resource: DAEMONSETS, selector }, PODS, claimCandidates(this.d.pods, ds)) as Pod[];
    const slots = this.slots(spec, claimed);
    const now = this.d.clock.now();
    const minReady = spec.minReadySeconds ?? 0;
    let failure: PodWriteFailure | undefined;
    let backoffMs = 0;
    if (this.d.expectations.satisfied(key)) {
      const backingOff = (node: string) => {
        const wait = this.d.failedPods.inBackoff(`${ds.metadata.uid}/${node}`, now);
        if (wait > 0) backoffMs = backoffMs ? Math.min(backoffMs, wait) : wait;
        return wait > 0;
      };
      const limits = rollingLimits(spec, slots.filter((s) => s.verdict?.shouldRun).length);
      let plan = planNodes(slots, { hash, allowsSurge: spec.updateStrategy?.type !== "OnDelete" && limits.maxSurge > 0, minReadySeconds: minReady, now, backingOff });
      if (plan.createOn.length === 0 && plan.delete.length === 0 && spec.updateStrategy?.type !== "OnDelete") {
        plan = planRollingUpdate(slots, hash, limits, minReady, now);
      }
      failure = await this.execute(ds, key, plan, hash, now);
      const live = new Set([revision.current.metadata.name!, ...claimed.map((p) => `${ds.metadata.name}-${p.metadata?.labels?.[REVISION_HASH_LABEL]}`)]);
      await this.d.history.truncate(revision.history, live, spec.revisionHistoryLimit ?? 10);
    }
    await this.writeStatus(ds, slots, hash, now);
    if (failure) throw new Error(failure.message);
    const waits = [backoffMs];
    if (minReady > 0 && claimed.some((p) => isReady(p) && !isAvailable(p, minReady, now))) waits.push(minReady * 1000);
    const wait = Math.min(...waits.filter((w) => w > 0));
    if (Number.isFinite(wait)) return { requeueAfterMs: wait };
  }

  /** Every node with its verdict and the daemon pods aimed at it (bound there, or pinned there by affinity). */
  private slots(spec: DaemonSetSpec, pods: Pod[]): NodeSlot[] {
    const podSpec = (spec.template?.spec ?? {}) as Json;
    const byNode = new Map<string, NodeSlot>();
    for (const node of this.d.nodes.lister().list()) {
      byNode.set(node.metadata.name!, { name: node.metadata.name!, verdict: nodeShouldRunDaemonPod(node, podSpec), pods: [] });
    }
    for (const pod of pods) {
      const target = pod.spec?.nodeName || pinnedNodeNames((pod.spec ?? {}) as Json)?.[0];
      if (!target) continue;
      let slot = byNode.get(target);
      if (!slot) byNode.set(target, (slot = { name: target, verdict: undefined, pods: [] }));
      slot.pods.push(pod);
    }
    return [...byNode.values()];
  }

  private async execute(ds: KubeObject, key: string, plan: DaemonPlan, hash: string, now: number): Promise<PodWriteFailure | undefined> {
    if (plan.createOn.length === 0 && plan.delete.length === 0) return undefined;
    this.d.expectations.expect(key, plan.createOn.length, plan.delete.length);
    for (const pod of plan.failed) {
      this.d.failedPods.next(`${ds.metadata.uid}/${pod.spec?.nodeName}`, now);
      void this.d.recorder.event(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${pod.spec?.nodeName}, will try to kill it`);
    }
    const [deleted, created] = await Promise.all([
      this.d.podControl.delete(ds, key, plan.delete as KubeObject[]),
      this.d.podControl.create(ds, key, plan.createOn.map((node) => this.podFor(ds, node, hash))),
    ]);
    return created ?? deleted;
  }

  private podFor(ds: KubeObject, node: string, hash: string): KubeObject {
    const template = ((ds.spec ?? {}) as DaemonSetSpec).template ?? {};
    const generation = ds.metadata.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION];
    return {
      apiVersion: "v1", kind: "Pod",
      metadata: {
        generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace,
        labels: { ...template.metadata?.labels, [REVISION_HASH_LABEL]: hash, ...(generation ? { [TEMPLATE_GENERATION_LABEL]: generation } : {}) },
        annotations: template.metadata?.annotations, finalizers: template.metadata?.finalizers,
        ownerReferences: [controllerRef(ds, "apps/v1", "DaemonSet")],
      },
      spec: daemonPodSpec((template.spec ?? {}) as Json, node),
    };
  }

  private async writeStatus(ds: KubeObject, slots: NodeSlot[], hash: string, now: number): Promise<void> {
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const counts = daemonCounts(slots, hash, spec.minReadySeconds ?? 0, now);
    const old = (ds.status ?? {}) as Json;
    const status: Json = {
      currentNumberScheduled: counts.currentNumberScheduled, numberMisscheduled: counts.numberMisscheduled,
      desiredNumberScheduled: counts.desiredNumberScheduled, numberReady: counts.numberReady, observedGeneration: ds.metadata.generation,
    };
    if (counts.updatedNumberScheduled) status.updatedNumberScheduled = counts.updatedNumberScheduled;
    if (counts.numberAvailable) status.numberAvailable = counts.numberAvailable;
    if (counts.numberUnavailable) status.numberUnavailable = counts.numberUnavailable;
    if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
    if (old.conditions !== undefined) status.conditions = old.conditions;
    await writeStatusIfChanged(this.client, { resource: DAEMONSETS, apiVersion: "apps/v1", kind: "DaemonSet" }, ds, status);
  }
}
