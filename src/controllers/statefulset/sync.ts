import type { StatefulSetSpec, StatefulSetStatus } from "kubernetes-types/apps/v1.js";
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { isAlreadyExists } from "../../api/errors.js";
import { scaledValue } from "../../api/intstr.js";
import { selectorFromLabelSelector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock } from "../../client/clock.js";
import type { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { PERSISTENTVOLUMECLAIMS, PODS, STATEFULSETS } from "../../client/resources.js";
import { claimCandidates, claimChildren } from "../kit/claim.js";
import { errorMessage, ignoreGone } from "../kit/errors.js";
import type { ControllerHistory, Revision } from "../kit/history.js";
import type { SyncResult } from "../kit/loop.js";
import { writeStatusIfChanged } from "../kit/status.js";
import { splitKey } from "../kit/owner.js";
import { isReady } from "../kit/pod-state.js";
import { claimName, ordinalOf, statefulClaim, statefulPod } from "./identity.js";
import { healthy, planStatefulSet, revisionOf, setCounts, type Step } from "./plan.js";

type Json = Record<string, unknown>;
type SetObject = KubeObject & { spec?: StatefulSetSpec; status?: StatefulSetStatus };

export interface StatefulSetSyncDeps {
  sets: Informer;
  pods: Informer;
  claims: Informer;
  history: ControllerHistory;
  recorder: EventRecorder;
  clock: Clock;
}

/** The template a revision recorded (its data is the patch that puts the template back). */
function revisionTemplate(r: Revision | undefined): PodTemplateSpec | undefined {
  const t = (((r?.data as Json | undefined)?.spec as Json | undefined)?.template as Json | undefined);
  if (!t) return undefined;
  const { $patch: _p, ...template } = t;
  return template as PodTemplateSpec;
}

/**
 * One sync of a StatefulSet: its update revision (for the current template) and current revision (what the
 * rollout started from), its pods claimed, one planned round of steps taken (planStatefulSet: create in
 * ordinal order with their claims, delete beyond replicas from the highest, roll from the highest down to
 * the partition), history trimmed, status written.
 */
export class StatefulSetSync {
  constructor(private readonly client: RestClient, private readonly d: StatefulSetSyncDeps) {}

  async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const set = this.d.sets.lister().get(namespace, name) as SetObject | undefined;
    if (!set || set.metadata.deletionTimestamp) return;
    const spec = set.spec ?? ({} as StatefulSetSpec);
    const status: StatefulSetStatus = structuredClone(set.status ?? { replicas: 0 });
    const state = await this.d.history.ensure({ object: set, apiVersion: "apps/v1", kind: "StatefulSet", resource: STATEFULSETS, template: (spec.template ?? {}) as Json });
    const updateRevision = state.current.metadata.name!;
    const currentRevision = status.currentRevision && state.history.some((r) => r.metadata.name === status.currentRevision) ? status.currentRevision : updateRevision;
    const templates = {
      update: spec.template,
      current: revisionTemplate(state.history.find((r) => r.metadata.name === currentRevision)) ?? spec.template,
    };
    const selector = selectorFromLabelSelector(spec.selector);
    const pods = await claimChildren(this.client, { object: set, apiVersion: "apps/v1", kind: "StatefulSet", resource: STATEFULSETS, selector }, PODS, claimCandidates(this.d.pods, set)) as Pod[];
    const now = this.d.clock.now();
    const replicas = spec.replicas ?? 1;
    const ru = spec.updateStrategy?.rollingUpdate;
    const steps = planStatefulSet({
      setName: name, replicas, start: spec.ordinals?.start ?? 0, ordered: spec.podManagementPolicy !== "Parallel",
      onDelete: spec.updateStrategy?.type === "OnDelete", partition: ru?.partition ?? 0,
      maxUnavailable: Math.max(1, scaledValue(ru?.maxUnavailable ?? 1, replicas, false) ?? 1),
      minReadySeconds: spec.minReadySeconds ?? 0, updateRevision, now,
      pods: pods.map((pod) => ({ pod, ordinal: ordinalOf(name, pod) })),
    });
    const failures: string[] = [];
    await Promise.all(steps.map((step) => this.take(set, step, step.kind === "create" ? { template: templates[step.revision] ?? {}, revision: step.revision === "current" ? currentRevision : updateRevision } : undefined)
      .catch((err: unknown) => void failures.push(errorMessage(err)))));

    const live = new Set([updateRevision, currentRevision, ...pods.map((p) => revisionOf(p) ?? "")]);
    await this.d.history.truncate(state.history, live, spec.revisionHistoryLimit ?? 10);
    const counts = setCounts(pods, currentRevision, updateRevision, spec.minReadySeconds ?? 0, now);
    const next: StatefulSetStatus = {
      ...status, observedGeneration: set.metadata.generation, replicas: counts.replicas, readyReplicas: counts.readyReplicas,
      availableReplicas: counts.availableReplicas, currentReplicas: counts.currentReplicas, updatedReplicas: counts.updatedReplicas,
      currentRevision, updateRevision,
    };
    // A finished rolling update makes the update revision current (upstream's completeRollingUpdate).
    if (spec.updateStrategy?.type !== "OnDelete" && counts.updatedReplicas === replicas && counts.readyReplicas === replicas && counts.replicas === replicas) {
      next.currentRevision = updateRevision;
      next.currentReplicas = counts.updatedReplicas;
    }
    await writeStatusIfChanged(this.client, { resource: STATEFULSETS, apiVersion: "apps/v1", kind: "StatefulSet" }, set, next);
    if (failures.length) throw new Error(failures[0]);
    const minReady = spec.minReadySeconds ?? 0;
    if (minReady > 0 && pods.some((p) => isReady(p) && !healthy(p, minReady, now))) return { requeueAfterMs: minReady * 1000 };
  }

  private async take(set: SetObject, step: Step, create?: { template: PodTemplateSpec; revision: string }): Promise<void> {
    const setName = set.metadata.name!;
    if (step.kind === "create") {
      const pod = statefulPod(set, create!.template, step.ordinal, create!.revision);
      await this.createClaims(set, pod.metadata.name!);
      try {
        await this.client.create(PODS, set.metadata.namespace, pod);
        void this.d.recorder.event(set, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      } catch (err) {
        if (isAlreadyExists(err)) return;
        void this.d.recorder.event(set, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
        throw err;
      }
      return;
    }
    const pod = step.pod;
    if (step.why === "failed") void this.d.recorder.event(set, "Warning", "RecreatingFailedPod", `StatefulSet ${set.metadata.namespace}/${setName} is recreating failed Pod ${pod.metadata?.name}`);
    if (step.why === "condemned" && set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === "Delete") await this.handClaimsToPod(set, pod);
    try {
      await this.client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
      void this.d.recorder.event(set, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata?.name} in StatefulSet ${setName} successful`);
    } catch (err) {
      ignoreGone(err);
    }
  }

  /** Creates the pod's missing claims (a re-created pod finds its old ones, and its data). */
  private async createClaims(set: SetObject, podName: string): Promise<void> {
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(template, podName);
      if (this.d.claims.lister().get(set.metadata.namespace, name)) continue;
      try {
        await this.client.create(PERSISTENTVOLUMECLAIMS, set.metadata.namespace, statefulClaim(set, template, podName));
        void this.d.recorder.event(set, "Normal", "SuccessfulCreate", `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        void this.d.recorder.event(set, "Warning", "FailedCreate", `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${errorMessage(err)}`);
        throw err;
      }
    }
  }

  /** persistentVolumeClaimRetentionPolicy.whenScaled Delete: the condemned pod owns its claims, so they go with it. */
  private async handClaimsToPod(set: SetObject, pod: Pod): Promise<void> {
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const claim = this.d.claims.lister().get(set.metadata.namespace, claimName(template, pod.metadata!.name!)) as (KubeObject & PersistentVolumeClaim) | undefined;
      if (!claim || (claim.metadata.ownerReferences ?? []).some((r) => r.uid === pod.metadata?.uid)) continue;
      const ref = { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name!, uid: pod.metadata!.uid!, blockOwnerDeletion: true };
      await this.client.patch(PERSISTENTVOLUMECLAIMS, claim.metadata.namespace, claim.metadata.name!, "merge", {
        metadata: { ownerReferences: [...(claim.metadata.ownerReferences ?? []), ref], resourceVersion: claim.metadata.resourceVersion },
      }).catch(ignoreGone);
    }
  }
}
