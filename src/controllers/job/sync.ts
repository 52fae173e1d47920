import type { JobCondition, JobSpec, JobStatus } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { withCondition } from "../../api/conditions.js";
import { selectorFromLabelSelector } from "../../api/labels.js";
import { formatTime } from "../../api/meta.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock } from "../../client/clock.js";
import type { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { JOBS, PODS } from "../../client/resources.js";
import { claimCandidates, claimChildren } from "../kit/claim.js";
import { ignoreGone } from "../kit/errors.js";
import type { Expectations } from "../kit/expectations.js";
import type { SyncResult } from "../kit/loop.js";
import { writeStatusIfChanged } from "../kit/status.js";
import { splitKey } from "../kit/owner.js";
import type { PodControl, PodWriteFailure } from "../kit/pod-control.js";
import { finishedCondition } from "../kit/job-state.js";
import { isActive, isReady } from "../kit/pod-state.js";
import { matchPodFailurePolicy, type PolicyMatch } from "./failure-policy.js";
import { parseIndexes, type IndexSet } from "./indexes.js";
import {
  backoffRemaining, excessActive, hasTrackingFinalizer, indexedExcess, indexesToCreate, isFailed, isSucceeded, isTerminating,
  MAX_POD_WRITES_PER_SYNC, podIndex, releasePatch, wantActive,
} from "./plan.js";
import { jobPod } from "./pod-template.js";
import type { JobTracker } from "./tracker.js";

type JobObject = KubeObject & { spec?: JobSpec; status?: JobStatus };
type Finish = { type: "Complete" } | { type: "Failed"; reason: string; message: string };

export interface JobSyncDeps {
  jobs: Informer;
  pods: Informer;
  expectations: Expectations;
  podControl: PodControl;
  recorder: EventRecorder;
  clock: Clock;
  tracker: JobTracker;
}

const conditionTrue = (status: JobStatus, type: string) => (status.conditions ?? []).some((c) => c.type === type && c.status === "True");

/** Sets a condition (a new transition time only when its status changes). */
function setCondition(status: JobStatus, type: string, value: "True" | "False", reason: string, message: string, now: string): void {
  status.conditions = withCondition<JobCondition>(status.conditions, { type, status: value, reason, message, lastProbeTime: now }, now);
}

/**
 * One sync of a Job: count pods that finished (exactly once, through status.uncountedTerminatedPods and
 * the job-tracking finalizer, as upstream), decide whether the Job is done (completions reached, backoff
 * limit, deadline, pod failure policy) or suspended, and otherwise create or delete pods toward
 * parallelism — after the failure back-off — then write the status.
 */
export class JobSync {
  constructor(private readonly client: RestClient, private readonly d: JobSyncDeps) {}

  async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    let job = this.d.jobs.lister().get(namespace, name) as JobObject | undefined;
    if (!job) {
      this.d.expectations.forget(key);
      this.d.tracker.forget(key);
      return;
    }
    if (!this.d.tracker.caughtUp(key, job)) return { requeueAfterMs: 20 };
    const spec = job.spec ?? ({} as JobSpec);
    const selector = selectorFromLabelSelector(spec.selector);
    const pods = await claimChildren(this.client, { object: job, apiVersion: "batch/v1", kind: "Job", resource: JOBS, selector }, PODS, claimCandidates(this.d.pods, job)) as Pod[];
    const status: JobStatus = structuredClone(job.status ?? {});
    if (job.metadata.deletionTimestamp || finishedCondition(status)) {
      // Nothing more to count: let every pod go.
      await this.removeFinalizers(key, pods.filter(hasTrackingFinalizer));
      return;
    }
    const now = this.d.clock.now();
    const stamp = formatTime(now);
    const indexed = spec.completionMode === "Indexed";
    const completed = parseIndexes(status.completedIndexes, spec.completions ?? 0);

    // 1. Finished pods still holding the finalizer are recorded as uncounted, then let go, then counted.
    const uncounted = { succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods?.failed ?? []) };
    const released = this.d.tracker.released(key, pods);
    const letGo: Pod[] = [];
    let policyFailure: PolicyMatch | undefined;
    for (const pod of pods) {
      const uid = pod.metadata!.uid!;
      if (!hasTrackingFinalizer(pod) || released.has(uid) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
      if (isSucceeded(pod)) {
        const i = podIndex(pod);
        if (!indexed || (i !== undefined && i < (spec.completions ?? 0) && !completed.has(i))) uncounted.succeeded.add(uid);
        else letGo.push(pod);
      } else if (isFailed(pod, spec)) {
        const match = matchPodFailurePolicy(spec.podFailurePolicy, pod);
        if (match?.action === "Ignore") letGo.push(pod);
        else {
          uncounted.failed.add(uid);
          if (match?.action === "FailJob") policyFailure ??= match;
        }
      }
    }
    const setUncounted = () => {
      status.uncountedTerminatedPods = { ...(uncounted.succeeded.size ? { succeeded: [...uncounted.succeeded] } : {}), ...(uncounted.failed.size ? { failed: [...uncounted.failed] } : {}) };
    };
    setUncounted();
    job = await this.writeStatus(key, job, status);
    const byUid = new Map(pods.map((p) => [p.metadata!.uid!, p]));
    const holding = [...uncounted.succeeded, ...uncounted.failed].map((uid) => byUid.get(uid)).filter((p): p is Pod => !!p && hasTrackingFinalizer(p));
    const freed = await this.removeFinalizers(key, [...holding, ...letGo]);
    for (const uid of [...uncounted.succeeded]) {
      const pod = byUid.get(uid);
      if (pod && hasTrackingFinalizer(pod) && !freed.has(uid)) continue;
      uncounted.succeeded.delete(uid);
      status.succeeded = (status.succeeded ?? 0) + 1;
      const i = pod ? podIndex(pod) : undefined;
      if (indexed && i !== undefined) completed.add(i);
    }
    for (const uid of [...uncounted.failed]) {
      const pod = byUid.get(uid);
      if (pod && hasTrackingFinalizer(pod) && !freed.has(uid)) continue;
      uncounted.failed.delete(uid);
      status.failed = (status.failed ?? 0) + 1;
    }
    setUncounted();
    if (indexed) status.completedIndexes = completed.toString();

    // 2. Done, suspended, or pods to create and delete.
    const active = pods.filter(isActive);
    const succeeded = status.succeeded ?? 0;
    const restarts = spec.template?.spec?.restartPolicy === "OnFailure"
      ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, s) => m + s.restartCount, 0), 0) : 0;
    const started = status.startTime ? Date.parse(status.startTime) : undefined;
    let finish: Finish | undefined;
    if (conditionTrue(status, "FailureTarget")) {
      const c = status.conditions!.find((x) => x.type === "FailureTarget")!;
      finish = { type: "Failed", reason: c.reason ?? "", message: c.message ?? "" };
    } else if (conditionTrue(status, "SuccessCriteriaMet")) finish = { type: "Complete" };
    else if (policyFailure) finish = { type: "Failed", reason: "PodFailurePolicy", message: policyFailure.message };
    else if ((status.failed ?? 0) + uncounted.failed.size + restarts > (spec.backoffLimit ?? 6)) {
      finish = { type: "Failed", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
    } else if (!spec.suspend && started !== undefined && spec.activeDeadlineSeconds && now >= started + spec.activeDeadlineSeconds * 1000) {
      finish = { type: "Failed", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
    } else if (indexed ? completed.size >= (spec.completions ?? 0) : spec.completions ? succeeded >= spec.completions : succeeded > 0 && active.length === 0) {
      finish = { type: "Complete" };
    }

    let failure: PodWriteFailure | undefined;
    let requeueAfterMs: number | undefined;
    if (finish) {
      failure = await this.deletePods(job, key, active);
      if (finish.type === "Failed") setCondition(status, "FailureTarget", "True", finish.reason, finish.message, stamp);
      else setCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", stamp);
      const settled = active.length === 0 && pods.every((p) => !isTerminating(p)) && uncounted.succeeded.size + uncounted.failed.size === 0;
      if (settled) {
        if (finish.type === "Failed") {
          setCondition(status, "Failed", "True", finish.reason, finish.message, stamp);
          void this.d.recorder.event(job, "Warning", finish.reason, finish.message);
        } else {
          setCondition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", stamp);
          status.completionTime = stamp;
          void this.d.recorder.event(job, "Normal", "Completed", "Job completed");
        }
      }
    } else if (spec.suspend) {
      failure = await this.deletePods(job, key, active);
      if (!conditionTrue(status, "Suspended")) {
        setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", stamp);
        void this.d.recorder.event(job, "Normal", "Suspended", "Job suspended");
      }
    } else {
      if (conditionTrue(status, "Suspended")) {
        setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", stamp);
        void this.d.recorder.event(job, "Normal", "Resumed", "Job resumed");
        status.startTime = stamp;
      }
      status.startTime ??= stamp;
      if (spec.activeDeadlineSeconds) requeueAfterMs = Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 - now + 1;
      if (this.d.expectations.satisfied(key)) {
        const wait = backoffRemaining(pods, spec, now);
        const mayCreate = wait === 0 && !(spec.podReplacementPolicy === "Failed" && pods.some(isTerminating));
        if (wait > 0) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, wait + 1);
        failure = indexed
          ? await this.manageIndexed(job, key, active, completed, mayCreate)
          : await this.manageCount(job, key, active, succeeded, mayCreate);
      }
    }
    status.active = active.length;
    status.ready = active.filter(isReady).length;
    status.terminating = pods.filter(isTerminating).length;
    await this.writeStatus(key, job, status);
    if (failure) throw new Error(failure.message);
    if (requeueAfterMs !== undefined && Number.isFinite(requeueAfterMs)) return { requeueAfterMs: Math.max(1, requeueAfterMs) };
  }

  private async manageCount(job: JobObject, key: string, active: Pod[], succeeded: number, mayCreate: boolean): Promise<PodWriteFailure | undefined> {
    const want = wantActive(job.spec ?? ({} as JobSpec), succeeded, active.length);
    if (active.length > want) return this.deletePods(job, key, excessActive(active, Math.min(active.length - want, MAX_POD_WRITES_PER_SYNC)));
    const count = Math.min(want - active.length, MAX_POD_WRITES_PER_SYNC);
    if (count <= 0 || !mayCreate) return undefined;
    this.d.expectations.expect(key, count, 0);
    return this.d.podControl.create(job, key, Array.from({ length: count }, () => jobPod(job, undefined)));
  }

  private async manageIndexed(job: JobObject, key: string, active: Pod[], completed: IndexSet, mayCreate: boolean): Promise<PodWriteFailure | undefined> {
    const spec = job.spec ?? ({} as JobSpec);
    const excess = indexedExcess(spec, completed, active);
    if (excess.length) return this.deletePods(job, key, excess.slice(0, MAX_POD_WRITES_PER_SYNC));
    const indexes = indexesToCreate(spec, completed, active).slice(0, MAX_POD_WRITES_PER_SYNC);
    if (indexes.length === 0 || !mayCreate) return undefined;
    this.d.expectations.expect(key, indexes.length, 0);
    return this.d.podControl.create(job, key, indexes.map((i) => jobPod(job, i)));
  }

  private async deletePods(job: KubeObject, key: string, pods: Pod[]): Promise<PodWriteFailure | undefined> {
    if (pods.length === 0) return undefined;
    this.d.expectations.expect(key, 0, pods.length);
    return this.d.podControl.delete(job, key, pods as KubeObject[]);
  }

  /** Removes the job-tracking finalizer (guarded by each pod's resourceVersion); returns the uids it was removed from. */
  private async removeFinalizers(key: string, pods: Pod[]): Promise<Set<string>> {
    const freed = new Set<string>();
    await Promise.all(pods.map(async (pod) => {
      try {
        await this.client.patch(PODS, pod.metadata?.namespace, pod.metadata!.name!, "merge", releasePatch(pod));
        freed.add(pod.metadata!.uid!);
      } catch (err) {
        ignoreGone(err);
      }
    }));
    this.d.tracker.release(key, freed);
    return freed;
  }

  /** Writes the status when it changed, remembering the revision so the next sync waits for the cache to show it. */
  private async writeStatus(key: string, job: JobObject, status: JobStatus): Promise<JobObject> {
    const written = await writeStatusIfChanged(this.client, { resource: JOBS, apiVersion: "batch/v1", kind: "Job" }, job, structuredClone(status));
    if (!written) return job;
    this.d.tracker.wrote(key, written);
    return written;
  }
}
