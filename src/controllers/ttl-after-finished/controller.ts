import type { JobStatus } from "kubernetes-types/batch/v1.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { keyOf } from "../../client/indexer.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { JOBS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ignoreGone } from "../kit/errors.js";
import { finishedCondition } from "../kit/job-state.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { splitKey } from "../kit/owner.js";

/** When a finished Job may be deleted: its finish time plus ttlSecondsAfterFinished; undefined while it runs or has no TTL. */
export function expiresAt(job: KubeObject): number | undefined {
  const ttl = (job.spec as { ttlSecondsAfterFinished?: number } | undefined)?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null) return undefined;
  const status = (job.status ?? {}) as JobStatus;
  const done = finishedCondition(status);
  if (!done) return undefined;
  const finished = Date.parse(status.completionTime ?? done.lastTransitionTime ?? "");
  return Number.isNaN(finished) ? undefined : finished + ttl * 1000;
}

/**
 * Upstream's TTL-after-finished controller: a finished Job with ttlSecondsAfterFinished is deleted (in the
 * foreground, so its pods go first) once the TTL has passed, re-checked against a live read first.
 */
export class TtlAfterFinishedController {
  private readonly jobs: Informer;
  private readonly loop: ReconcileLoop;

  constructor(private readonly client: RestClient, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    const clock = opts.clock ?? realClock;
    this.jobs = opts.informers.for(JOBS);
    this.loop = new ReconcileLoop({ name: "ttl-after-finished", workers: 5, sync: (key) => this.sync(key, clock.now()), clock, metrics: opts.metrics, log: opts.log });
    const enqueue = (job: KubeObject) => {
      if (expiresAt(job) !== undefined && !job.metadata.deletionTimestamp) this.loop.enqueue(keyOf(job));
    };
    this.jobs.on({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  private async sync(key: string, now: number): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const cached = this.jobs.lister().get(namespace, name);
    const at = cached && expiresAt(cached);
    if (!cached || at === undefined || cached.metadata.deletionTimestamp) return;
    if (at > now) return { requeueAfterMs: at - now };
    const fresh = await this.client.get(JOBS, namespace, name).catch((err: unknown) => ignoreGone(err));
    const freshAt = fresh ? expiresAt(fresh) : undefined;
    if (!fresh || freshAt === undefined) return;
    if (freshAt > now) return { requeueAfterMs: freshAt - now };
    await this.client.delete(JOBS, namespace, name, { propagationPolicy: "Foreground", preconditions: { uid: fresh.metadata.uid } }).catch(ignoreGone);
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.jobs.waitForSync();
    await this.loop.run(signal);
  }
}
