import { realClock, type Clock } from "./clock.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/**
 * A controller work queue with client-go's guarantees:
 * - a key is never processed by two workers at once (processing set);
 * - adding a key already waiting coalesces; a key added while processing is queued again when done;
 * - `addAfter` delays, `addRateLimited` backs off per key (exponential + overall bucket), `forget` resets.
 */
export class WorkQueue<T = string> {
  private readonly queue: T[] = [];
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiters: Array<(item: T | undefined) => void> = [];
  private readonly delayed = new Map<T, { at: number; cancel: () => void }>();
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock = realClock,
    private readonly limiter: RateLimiter<T> = defaultControllerRateLimiter<T>(clock),
  ) {}

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(item);
      this.processing.add(item);
      waiter(item);
    } else this.queue.push(item);
  }

  /** Adds after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(item: T, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(item);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(item);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.delayed.delete(item);
      this.add(item);
    });
    this.delayed.set(item, { at, cancel });
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.limiter.when(item));
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  retries(item: T): number {
    return this.limiter.retries(item);
  }

  /** The next key to process, or undefined once shut down. Call `done` when finished with it. */
  get(): Promise<T | undefined> {
    const item = this.queue.shift();
    if (item !== undefined) {
      this.dirty.delete(item);
      this.processing.add(item);
      return Promise.resolve(item);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      this.add(item);
    }
  }

  get length(): number {
    return this.queue.length;
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
