import type { CronJobSpec, CronJobStatus, JobStatus } from "kubernetes-types/batch/v1.js";
import type { ObjectReference } from "kubernetes-types/core/v1.js";
import { isAlreadyExists, isNotFound } from "../../api/errors.js";
import { formatTime } from "../../api/meta.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock } from "../../client/clock.js";
import type { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CRONJOBS, JOBS } from "../../client/resources.js";
import { errorMessage, ignoreGone } from "../kit/errors.js";
import { finishedCondition } from "../kit/job-state.js";
import type { SyncResult } from "../kit/loop.js";
import { writeStatusIfChanged } from "../kit/status.js";
import { controllerOf, controllerRef, splitKey } from "../kit/owner.js";
import { dueTime, jobNameFor, Schedule } from "./schedule.js";

type CronJobObject = KubeObject & { spec?: CronJobSpec; status?: CronJobStatus };
type JobObject = KubeObject & { status?: JobStatus };

const SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

export interface CronJobSyncDeps {
  cronJobs: Informer;
  jobs: Informer;
  recorder: EventRecorder;
  clock: Clock;
}

/**
 * One sync of a CronJob (upstream's ControllerV2.syncCronJob): reconcile status.active with the Jobs it
 * owns, start the Job of the most recent due time unless it ran, is too late (startingDeadlineSeconds) or
 * concurrency forbids it (Replace deletes the running ones first), trim finished Jobs to the history
 * limits, write the status, and come back at the next scheduled time. The Job's name is fixed by the time,
 * so a restart neither loses a run (lastScheduleTime persists) nor doubles one (the create is a 409).
 */
export class CronJobSync {
  constructor(private readonly client: RestClient, private readonly d: CronJobSyncDeps) {}

  async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const cj = this.d.cronJobs.lister().get(namespace, name) as CronJobObject | undefined;
    if (!cj) return;
    const spec = cj.spec ?? ({} as CronJobSpec);
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    const now = this.d.clock.now();
    const jobs = (this.d.jobs.lister().byIndex("owner", cj.metadata.uid ?? "") as JobObject[]).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    await this.reconcileActive(cj, status, jobs);

    let requeue: number | undefined;
    if (!cj.metadata.deletionTimestamp && !spec.suspend) {
      let schedule: Schedule | undefined;
      try {
        schedule = Schedule.parse(spec.schedule, spec.timeZone);
      } catch (err) {
        void this.d.recorder.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: "${spec.schedule}" : ${errorMessage(err)}`);
      }
      if (schedule) requeue = await this.startDue(cj, status, schedule, now);
    }
    await this.cleanupFinished(cj, jobs);
    await writeStatusIfChanged(this.client, { resource: CRONJOBS, apiVersion: "batch/v1", kind: "CronJob" }, cj, status);
    if (requeue !== undefined) return { requeueAfterMs: Math.max(1, requeue) };
  }

  /** Finished Jobs leave status.active; active ones it forgot are reported; lastSuccessfulTime follows completions. */
  private async reconcileActive(cj: CronJobObject, status: CronJobStatus, jobs: JobObject[]): Promise<void> {
    const active = new Map((status.active ?? []).map((r) => [r.uid, r]));
    for (const job of jobs) {
      const finished = finishedCondition(job.status)?.type;
      const listed = active.has(job.metadata.uid);
      if (!listed && !finished) {
        void this.d.recorder.event(cj, "Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (listed && finished) {
        active.delete(job.metadata.uid);
        void this.d.recorder.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
      }
      const completion = job.status?.completionTime;
      if (finished === "Complete" && completion && (!status.lastSuccessfulTime || Date.parse(completion) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = completion;
      }
    }
    const owned = new Set(jobs.map((j) => j.metadata.uid));
    for (const [uid, ref] of active) {
      if (owned.has(uid)) continue;
      try {
        await this.client.get(JOBS, ref.namespace, ref.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        active.delete(uid);
        void this.d.recorder.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
      }
    }
    status.active = active.size ? [...active.values()] : undefined;
    if (!status.active) delete status.active;
  }

  /** Starts the Job of the most recent due time, if it should run; returns how long until the next time is due. */
  private async startDue(cj: CronJobObject, status: CronJobStatus, schedule: Schedule, now: number): Promise<number> {
    const spec = cj.spec!;
    const earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? "") || now;
    const window = dueTime(schedule, earliest, now, spec.startingDeadlineSeconds ?? undefined);
    const untilNext = () => window.next - now + 100;
    if (window.missed > 100) {
      void this.d.recorder.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }
    const due = window.due;
    if (due === undefined) return untilNext();
    if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null && due + spec.startingDeadlineSeconds * 1000 < now) {
      void this.d.recorder.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${new Date(due).toUTCString().replace("GMT", "+0000")}`);
      return untilNext();
    }
    const jobName = jobNameFor(cj.metadata.name!, due);
    if ((status.active ?? []).some((r) => r.name === jobName) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === due)) return untilNext();
    if (spec.concurrencyPolicy === "Forbid" && (status.active ?? []).length > 0) {
      void this.d.recorder.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return untilNext();
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const ref of status.active ?? []) {
        await this.client.delete(JOBS, ref.namespace, ref.name!, { propagationPolicy: "Background" }).catch(ignoreGone);
        void this.d.recorder.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${ref.name}`);
      }
      delete status.active;
    }
    const template = spec.jobTemplate ?? {};
    const body: KubeObject = {
      apiVersion: "batch/v1", kind: "Job",
      metadata: {
        name: jobName, namespace: cj.metadata.namespace, labels: template.metadata?.labels,
        annotations: { ...template.metadata?.annotations, [SCHEDULED_TIMESTAMP]: formatTime(due) },
        ownerReferences: [controllerRef(cj, "batch/v1", "CronJob")],
      },
      spec: template.spec,
    };
    let job: KubeObject;
    try {
      job = await this.client.create(JOBS, cj.metadata.namespace, body);
      void this.d.recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${job.metadata.name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        void this.d.recorder.event(cj, "Warning", "FailedCreate", `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
      // Started before (a restart between the create and the status write): adopt it into the status, once.
      job = await this.client.get(JOBS, cj.metadata.namespace, jobName);
      if (controllerOf(job)?.uid !== cj.metadata.uid) return untilNext();
    }
    const ref: ObjectReference = { apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, namespace: job.metadata.namespace, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion };
    if (!(status.active ?? []).some((r) => r.uid === ref.uid)) status.active = [...(status.active ?? []), ref];
    status.lastScheduleTime = formatTime(due);
    return untilNext();
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit (3) and failedJobsHistoryLimit (1). */
  private async cleanupFinished(cj: CronJobObject, jobs: JobObject[]): Promise<void> {
    const spec = cj.spec!;
    const started = (j: JobObject) => Date.parse(j.status?.startTime ?? j.metadata.creationTimestamp ?? "") || 0;
    for (const [kind, limit] of [["Complete", spec.successfulJobsHistoryLimit ?? 3], ["Failed", spec.failedJobsHistoryLimit ?? 1]] as const) {
      const finished = jobs.filter((j) => finishedCondition(j.status)?.type === kind && !j.metadata.deletionTimestamp).sort((a, b) => started(a) - started(b));
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
        await this.client.delete(JOBS, job.metadata.namespace, job.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } }).catch(ignoreGone);
        void this.d.recorder.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
      }
    }
  }
}
