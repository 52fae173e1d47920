import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { canonicalJson } from "../../api/canonical.js";
import { isAlreadyExists, isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { EventRecorder } from "../../client/events.js";
import { errorMessage } from "../kit/errors.js";
import { controllerOf, controllerRef } from "../kit/owner.js";
import {
  compareRevisions, maxRevision, replicasAnnotationsNeedUpdate, revisionOf, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations,
} from "./annotations.js";
import { equalIgnoreHash, POD_TEMPLATE_HASH, podTemplateHash } from "./hash.js";
import { byCreation, desiredReplicas, maxSurge, newReplicaSetTarget, specReplicas, type ScaleStep } from "./plan.js";
import {
  calculateStatus, getCondition, newCondition, pausedStatus, progressCheckAfterMs, progressDeadline, PROGRESSING, Reason, rolloutStatus, setCondition,
} from "./status.js";
import type { DeploymentWrites } from "./writes.js";

/** A Deployment's ReplicaSets: the one running its template (if any), the others, and all of them. */
export interface ReplicaSetSplit {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
  allRSs: ReplicaSet[];
}

export interface RolloutDeps {
  writes: DeploymentWrites;
  recorder: EventRecorder;
  now: number;
}

const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? "";

/**
 * One sync of one Deployment: its (copied) object, the ReplicaSets it controls and their pods, and the
 * steps every strategy shares — find or create the new ReplicaSet and keep revisions in order, resize a
 * ReplicaSet with its event, prune history, write status. The strategy files (rolling.ts, recreate.ts,
 * scale.ts) decide which steps to take; the arithmetic is in plan.ts, the status in status.ts.
 */
export class Rollout {
  /** When the key should be looked at again (the progress deadline), if at all. */
  requeueAfterMs: number | undefined;

  constructor(
    private readonly deps: RolloutDeps,
    public d: Deployment,
    private rsList: ReplicaSet[],
    /** Pods of each claimed ReplicaSet by its uid; only Recreate asks. */
    readonly podsByReplicaSet: () => Map<string, Pod[]>,
  ) {}

  get now(): number {
    return this.deps.now;
  }

  private event(type: "Normal" | "Warning", reason: string, message: string): void {
    void this.deps.recorder.event(this.d as unknown as KubeObject, type, reason, message);
  }

  private replace(rs: ReplicaSet): ReplicaSet {
    this.rsList = this.rsList.map((x) => (x.metadata?.uid === rs.metadata?.uid ? rs : x));
    return rs;
  }

  /** Writes status (and the revision annotation) and carries on from what the server returned. */
  private async writeStatus(): Promise<void> {
    this.d = await this.deps.writes.updateStatus(this.d);
  }

  /**
   * The new ReplicaSet (same template, hash label aside) and the old ones, with the revisions synced:
   * the new one gets max(old revisions) + 1, and the Deployment's revision annotation follows it.
   * With `create`, a missing new ReplicaSet is created (upstream's getAllReplicaSetsAndSyncRevision).
   */
  async replicaSets(create: boolean): Promise<ReplicaSetSplit> {
    const template = this.d.spec?.template;
    const existing = [...this.rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, template));
    const oldRSs = this.rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1n;
    let newRS: ReplicaSet | undefined;
    if (existing) newRS = await this.syncExisting(existing, newRevision);
    else if (create) newRS = await this.createNew(oldRSs, newRevision);
    return { newRS, oldRSs, allRSs: newRS ? [...oldRSs, newRS] : oldRSs };
  }

  private async syncExisting(existing: ReplicaSet, newRevision: bigint): Promise<ReplicaSet> {
    const copy = structuredClone(existing);
    const annotated = setNewReplicaSetAnnotations(this.d, copy, newRevision);
    const minReady = this.d.spec?.minReadySeconds;
    if (annotated || copy.spec?.minReadySeconds !== minReady) {
      copy.spec = { ...copy.spec!, minReadySeconds: minReady };
      return this.replace(await this.deps.writes.updateReplicaSet(copy));
    }
    let changed = setDeploymentRevision(this.d, String(revisionOf(copy)));
    if (progressDeadline(this.d) !== undefined && !getCondition(this.d.status, PROGRESSING)) {
      const status = (this.d.status ??= {});
      setCondition(status, newCondition(PROGRESSING, "True", Reason.foundNewRS, `Found new replica set "${nameOf(copy)}"`, this.now));
      changed = true;
    }
    if (changed) await this.writeStatus();
    return existing;
  }

  private async createNew(oldRSs: ReplicaSet[], newRevision: bigint): Promise<ReplicaSet> {
    const d = this.d;
    const template = structuredClone(d.spec!.template);
    const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1", kind: "ReplicaSet",
      metadata: {
        name: `${nameOf(d)}-${hash}`, namespace: d.metadata?.namespace, labels: template.metadata.labels,
        ownerReferences: [controllerRef(d as unknown as KubeObject, "apps/v1", "Deployment")],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector, template },
    };
    const replicas = newReplicaSetTarget(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision);
    setReplicasAnnotations(rs, desiredReplicas(d), desiredReplicas(d) + maxSurge(d));

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.deps.writes.createReplicaSet(rs);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const message = `Failed to create new replica set "${nameOf(rs)}": ${errorMessage(err)}`;
        if (progressDeadline(d) !== undefined) {
          setCondition((d.status ??= {}), newCondition(PROGRESSING, "False", Reason.rsCreateError, message, this.now));
          await this.writeStatus().catch(() => undefined);
        }
        this.event("Warning", Reason.rsCreateError, message);
        throw err;
      }
      // Our own earlier create (the cache was behind), or a hash collision with someone else's ReplicaSet.
      const found = await this.deps.writes.getReplicaSet(d.metadata?.namespace ?? "", nameOf(rs));
      if (controllerOf(found as unknown as KubeObject)?.uid !== d.metadata?.uid || !equalIgnoreHash(d.spec?.template, found.spec?.template)) {
        (d.status ??= {}).collisionCount = (d.status.collisionCount ?? 0) + 1;
        await this.writeStatus();
        throw err;
      }
      created = found;
      alreadyExisted = true;
    }
    this.rsList = [...this.rsList.filter((x) => x.metadata?.uid !== created.metadata?.uid), created];
    if (!alreadyExisted && replicas > 0) this.event("Normal", "ScalingReplicaSet", `Scaled up replica set ${nameOf(created)} to ${replicas}`);
    let changed = setDeploymentRevision(d, String(newRevision));
    if (!alreadyExisted && progressDeadline(d) !== undefined) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, "True", Reason.newRSCreated, `Created new replica set "${nameOf(created)}"`, this.now));
      changed = true;
    }
    if (changed) await this.writeStatus();
    return created;
  }

  /**
   * Resizes a ReplicaSet, recording the desired/max-replicas annotations for the deployment's current
   * size, and emits ScalingReplicaSet ("Scaled up replica set deploy-demo-7c66dbf45b to 1"). A ReplicaSet
   * already at that size is left alone unless `refreshAnnotations` (proportional scaling) asks for the
   * annotations anyway. Returns the ReplicaSet as written, and whether its size changed.
   */
  async scale(rs: ReplicaSet, replicas: number, opts: Pick<ScaleStep, "operation" | "refreshAnnotations"> = {}): Promise<{ rs: ReplicaSet; scaled: boolean }> {
    const desired = desiredReplicas(this.d), max = desired + maxSurge(this.d);
    const resize = specReplicas(rs) !== replicas;
    if (!resize && !(opts.refreshAnnotations && replicasAnnotationsNeedUpdate(rs, desired, max))) return { rs, scaled: false };
    const copy = structuredClone(rs);
    const op = opts.operation ?? (specReplicas(rs) < replicas ? "up" : "down");
    copy.spec = { ...copy.spec!, replicas };
    setReplicasAnnotations(copy, desired, max);
    const written = this.replace(await this.deps.writes.updateReplicaSet(copy));
    if (resize) this.event("Normal", "ScalingReplicaSet", `Scaled ${op} replica set ${nameOf(rs)} to ${replicas}`);
    return { rs: written, scaled: resize };
  }

  /** Applies plan steps in order (a ReplicaSet may appear twice); true when any size changed. */
  async apply(steps: ScaleStep[], rss: ReplicaSet[]): Promise<boolean> {
    const byName = new Map(rss.map((rs) => [nameOf(rs), rs]));
    let scaled = false;
    for (const step of steps) {
      const rs = byName.get(step.name);
      if (!rs) continue;
      const result = await this.scale(rs, step.replicas, step);
      byName.set(step.name, result.rs);
      scaled ||= result.scaled;
    }
    return scaled;
  }

  /**
   * Deletes the oldest ReplicaSets beyond revisionHistoryLimit — only those fully scaled down (no pods,
   * none wanted, status caught up) and not already being deleted.
   */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const excess = alive.length - limit;
    if (excess <= 0) return;
    const oldest = [...alive].sort((a, b) => compareRevisions(a, b) || byCreation(a, b)).slice(0, excess);
    for (const rs of oldest) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.writes.deleteReplicaSet(rs);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Writes the counts and Available condition if they changed (upstream's syncDeploymentStatus). */
  async syncStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    await this.writeIfChanged(calculateStatus(this.d, allRSs, newRS, this.now));
  }

  /** Writes counts and the Progressing condition; schedules the progress-deadline check. */
  async syncRolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = rolloutStatus(this.d, allRSs, newRS, this.now);
    if (!(await this.writeIfChanged(status))) this.requeueAfterMs = progressCheckAfterMs(this.d, status, this.now);
  }

  /** Records a pause or a resume in the Progressing condition. */
  async checkPaused(): Promise<void> {
    const status = pausedStatus(this.d, this.now);
    if (status) await this.writeIfChanged(status);
  }

  private async writeIfChanged(status: Deployment["status"]): Promise<boolean> {
    if (canonicalJson(status ?? {}) === canonicalJson(this.d.status ?? {})) return false;
    this.d.status = status;
    await this.writeStatus();
    return true;
  }
}
