import { realClock, sleep, type Clock } from "./clock.js";

/**
 * The one back-off for reconnecting and retrying across the code base (apimachinery's wait.Backoff with
 * jitter): each wait is the previous one times `factor`, capped at `maxMs`, then stretched by up to
 * `jitter` of itself at random, so that many clients that lost the same API server at the same moment do
 * not all come back at the same moment. `reset()` after a success starts again from `initialMs`.
 *
 * Worked example, initial 800 ms, factor 2, cap 30 s, jitter 0.5: the bases are 800, 1600, 3200, 6400,
 * 12800, 25600, 30000, 30000 … and each wait lies in [base, 1.5 × base).
 *
 * Not for per-object back-off with upstream-fixed figures (the kubelet's CrashLoopBackOff, the work
 * queue's rate limiters, the DaemonSet and Job failure back-offs): those are keyed state, not a retry loop.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per failure (default 2). */
  factor?: number;
  /** Up to this fraction of each wait is added at random (default 0: none). */
  jitter?: number;
  /** A number in [0, 1) (default Math.random): injected so tests know each wait. */
  random?: () => number;
  clock?: Clock;
}

export class Backoff {
  private base: number;
  private readonly factor: number;
  private readonly random: () => number;
  private readonly clock: Clock;

  constructor(private readonly opts: BackoffOptions) {
    if (!(opts.initialMs > 0) || opts.maxMs < opts.initialMs) throw new RangeError(`Backoff needs 0 < initialMs <= maxMs, got ${opts.initialMs} and ${opts.maxMs}`);
    this.base = opts.initialMs;
    this.factor = opts.factor ?? 2;
    this.random = opts.random ?? Math.random;
    this.clock = opts.clock ?? realClock;
  }

  /** The next wait, and the one after grows. */
  next(): number {
    const wait = jittered(this.base, this.opts.jitter ?? 0, this.random);
    this.base = Math.min(this.base * this.factor, this.opts.maxMs);
    return wait;
  }

  /** After a success: the next failure waits `initialMs` again. */
  reset(): void {
    this.base = this.opts.initialMs;
  }

  /** Sleeps the next wait on the clock (at once when `signal` aborts); resolves to how long it meant to wait. */
  async wait(signal: AbortSignal): Promise<number> {
    const ms = this.next();
    await sleep(this.clock, ms, signal);
    return ms;
  }
}

/** `ms` plus up to `factor` × `ms` at random (apimachinery's wait.Jitter; a factor <= 0 adds nothing). */
export function jittered(ms: number, factor: number, random: () => number = Math.random): number {
  return factor > 0 ? ms + random() * factor * ms : ms;
}
