import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CRONJOBS, JOBS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { controllerRefHandlers } from "../kit/handlers.js";
import { CronJobSync } from "./sync.js";

export interface CronJobControllerOptions {
  informers: SharedInformers;
  /** --concurrent-cron-job-syncs (upstream's default 5). */
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The CronJob controller: informers on CronJobs and Jobs; a Job's change wakes its CronJob, and each sync
 * asks to be woken again at the next scheduled time (on the injected clock).
 */
export class CronJobController {
  private readonly cronJobs: Informer;
  private readonly jobs: Informer;
  private readonly loop: ReconcileLoop;

  constructor(client: RestClient, opts: CronJobControllerOptions) {
    const clock = opts.clock ?? realClock;
    this.cronJobs = opts.informers.for(CRONJOBS);
    this.jobs = opts.informers.for(JOBS);
    const sync = new CronJobSync(client, { cronJobs: this.cronJobs, jobs: this.jobs, recorder: new EventRecorder(client, "cronjob-controller", { clock, log: opts.log }), clock });
    this.loop = new ReconcileLoop({ name: "cronjob", workers: opts.workers ?? 5, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });
    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    this.cronJobs.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    this.jobs.on(controllerRefHandlers("CronJob", (key) => this.loop.enqueue(key)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.cronJobs.waitForSync(), this.jobs.waitForSync()]);
    await this.loop.run(signal);
  }
}
