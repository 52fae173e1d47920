import type { StoreEvent, WatchListener } from "./store.js";

interface Subscriber {
  prefix: string;
  listener: WatchListener;
}

/**
 * Fans committed changes out to watchers. Backends publish after each commit; `subscribe` is synchronous,
 * so a backend can replay history and subscribe without a write slipping between the two.
 */
export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();

  publish(event: StoreEvent): void {
    for (const s of this.subscribers) {
      if (event.kv.key.startsWith(s.prefix)) s.listener(event);
    }
  }

  subscribe(prefix: string, listener: WatchListener, signal: AbortSignal): void {
    if (signal.aborted) return;
    const subscriber = { prefix, listener };
    this.subscribers.add(subscriber);
    signal.addEventListener("abort", () => this.subscribers.delete(subscriber), { once: true });
  }

  get size(): number {
    return this.subscribers.size;
  }

  clear(): void {
    this.subscribers.clear();
  }
}
