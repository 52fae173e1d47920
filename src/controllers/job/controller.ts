import { selectorFromLabelSelector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { JOBS, PODS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ignoreGone } from "../kit/errors.js";
import { Expectations } from "../kit/expectations.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { controllerOf, resolveControllerRef, splitKey } from "../kit/owner.js";
import { PodControl } from "../kit/pod-control.js";
import { ownedPodHandlers } from "../kit/handlers.js";
import { hasTrackingFinalizer, releasePatch } from "./plan.js";
import { JobSync } from "./sync.js";
import { JobTracker } from "./tracker.js";

export interface JobControllerOptions {
  informers: SharedInformers;
  /** --concurrent-job-syncs (upstream's default 5). */
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The Job controller: informers on Jobs and pods, the usual owner/pod handlers, and a loop whose sync
 * (sync.ts) runs pods to completion. A second, small loop frees pods whose Job is gone from the
 * job-tracking finalizer, so deleting a Job never leaves its pods stuck.
 */
export class JobController {
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly loop: ReconcileLoop;
  private readonly orphans: ReconcileLoop;

  constructor(private readonly client: RestClient, opts: JobControllerOptions) {
    const clock = opts.clock ?? realClock;
    this.jobs = opts.informers.for(JOBS);
    this.pods = opts.informers.for(PODS);
    const expectations = new Expectations(clock);
    const recorder = new EventRecorder(client, "job-controller", { clock, log: opts.log });
    const sync = new JobSync(client, {
      jobs: this.jobs, pods: this.pods, expectations, podControl: new PodControl(client, recorder, expectations), recorder, clock, tracker: new JobTracker(),
    });
    this.loop = new ReconcileLoop({ name: "job", workers: opts.workers ?? 5, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });
    this.orphans = new ReconcileLoop({ name: "job-orphan-pods", workers: 1, sync: (key) => this.freeOrphan(key), clock, metrics: opts.metrics, log: opts.log });

    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    this.jobs.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => {
      const job = deletedObject(o);
      expectations.forget(keyOf(job));
      enqueue(job);
      for (const pod of this.pods.lister().byIndex("owner", job.metadata.uid ?? "")) if (hasTrackingFinalizer(pod)) this.orphans.enqueue(keyOf(pod));
    } });
    const handlers = ownedPodHandlers({
      owners: this.jobs, kind: "Job", selector: (job) => selectorFromLabelSelector((job.spec as { selector?: object } | undefined)?.selector),
      expectations, enqueue: (key) => this.loop.enqueue(key), enqueueAfter: (key, ms) => this.loop.enqueueAfter(key, ms),
    });
    const checkOrphan = (pod: KubeObject) => {
      if (hasTrackingFinalizer(pod) && controllerOf(pod)?.kind === "Job" && !resolveControllerRef(this.jobs, pod, "Job")) this.orphans.enqueue(keyOf(pod));
    };
    this.pods.on({
      add: (p) => {
        handlers.add?.(p);
        checkOrphan(p);
      },
      update: (o, p) => {
        handlers.update?.(o, p);
        checkOrphan(p);
      },
      delete: handlers.delete,
    });
  }

  /** A pod whose Job is gone keeps nothing to be counted for: drop the finalizer (checked against a live read of the Job). */
  private async freeOrphan(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const pod = this.pods.lister().get(namespace, name);
    const ref = pod && controllerOf(pod);
    if (!pod || !ref || !hasTrackingFinalizer(pod)) return;
    const job = await this.client.get(JOBS, namespace, ref.name).catch((err: unknown) => {
      ignoreGone(err);
      return undefined;
    });
    if (job?.metadata.uid === ref.uid && !job.metadata.deletionTimestamp) return;
    await this.client.patch(PODS, namespace, name, "merge", releasePatch(pod)).catch(ignoreGone);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.jobs.waitForSync(), this.pods.waitForSync()]);
    // Pods left holding the finalizer by Jobs deleted while no controller ran.
    for (const pod of this.pods.lister().list()) {
      if (hasTrackingFinalizer(pod) && controllerOf(pod)?.kind === "Job" && !resolveControllerRef(this.jobs, pod, "Job")) this.orphans.enqueue(keyOf(pod));
    }
    await Promise.all([this.loop.run(signal), this.orphans.run(signal)]);
  }
}
