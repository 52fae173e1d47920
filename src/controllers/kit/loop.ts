import { isConflict } from "../../api/errors.js";
import { realClock, type Clock } from "../../client/clock.js";
import { WorkQueue } from "../../client/workqueue.js";
import { errorMessage } from "./errors.js";
import type { ControllerMetrics } from "./metrics.js";

/** What a sync may ask for: nothing (done), or to look at the key again after a while. */
export type SyncResult = void | { requeueAfterMs: number };

export interface LoopOptions {
  name: string;
  workers: number;
  sync: (key: string) => Promise<SyncResult>;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The loop every controller runs: keys go into a work queue; `workers` workers take one key at a time
 * (never the same key twice at once) and call the level-triggered `sync(key)`, which never learns which
 * event queued it. A sync that throws is retried with per-key exponential back-off; conflicts are retried
 * quietly (the cache was behind), other errors are logged. A worker lets the event loop turn between keys.
 */
export class ReconcileLoop {
  private readonly queue: WorkQueue<string>;

  constructor(private readonly opts: LoopOptions) {
    this.queue = new WorkQueue<string>(opts.clock ?? realClock);
    opts.metrics?.trackDepth(opts.name, () => this.queue.length);
  }

  enqueue(key: string): void {
    this.opts.metrics?.adds.inc({ name: this.opts.name });
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutdown(), { once: true });
    await Promise.all(Array.from({ length: this.opts.workers }, () => this.work()));
  }

  private async work(): Promise<void> {
    const { name, metrics, log } = this.opts;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const began = performance.now();
      try {
        const result = await this.opts.sync(key);
        this.queue.forget(key);
        if (result) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (!isConflict(err)) log?.({ level: "warn", component: "controller-manager", controller: name, key, msg: "Sync failed", err: errorMessage(err) });
        metrics?.retries.inc({ name });
        this.queue.addRateLimited(key);
      } finally {
        metrics?.syncDuration.observe({ name }, (performance.now() - began) / 1000);
        this.queue.done(key);
      }
      // A turn of the event loop between keys: the next sync would otherwise start in this one's last
      // microtask whenever the queue isn't empty, and busy workers could hold timers and I/O off for long.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
