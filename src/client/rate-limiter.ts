import type { Clock } from "./clock.js";

/** How long an item waits before its next retry (client-go's RateLimiter). */
export interface RateLimiter<T> {
  when(item: T): number;
  forget(item: T): void;
  retries(item: T): number;
}

/** Per-item exponential back-off: base · 2^failures, capped (client-go: 5 ms doubling to 1000 s). */
export class ExponentialRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(private readonly baseMs = 5, private readonly maxMs = 1_000_000) {}

  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  retries(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall token bucket (client-go: 10 per second, burst 100): the wait until a token is free. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;

  constructor(private readonly clock: Clock, private readonly perSecond = 10, private readonly burst = 100) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item: T): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  forget(_item: T): void {}

  retries(_item: T): number {
    return 0;
  }
}

/** The longest wait any limiter asks for (client-go's MaxOfRateLimiter; the default controller limiter). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  constructor(private readonly limiters: RateLimiter<T>[]) {}

  when(item: T): number {
    return Math.max(...this.limiters.map((l) => l.when(item)));
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  retries(item: T): number {
    return Math.max(...this.limiters.map((l) => l.retries(item)));
  }
}

export function defaultControllerRateLimiter<T>(clock: Clock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>([new ExponentialRateLimiter<T>(5, 1_000_000), new BucketRateLimiter<T>(clock, 10, 100)]);
}
