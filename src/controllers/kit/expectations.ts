import type { Clock } from "../../client/clock.js";

const TTL_MS = 5 * 60_000;

/**
 * Upstream's ControllerExpectations: after a controller asks for N creates and M deletes for a key, it
 * must not sync that key again from its cache until the informer has observed them (or five minutes
 * passed, in case an event was lost). Otherwise it would count the world before its own writes landed
 * and create or delete twice.
 */
export class Expectations {
  private readonly entries = new Map<string, { adds: number; dels: number; at: number }>();

  constructor(private readonly clock: Clock) {}

  expect(key: string, adds: number, dels: number): void {
    this.entries.set(key, { adds, dels, at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.entries.get(key);
    if (e) e.adds--;
  }

  deletionObserved(key: string): void {
    const e = this.entries.get(key);
    if (e) e.dels--;
  }

  /** A create that will never be observed (it failed): stop waiting for it. */
  lowerAdds(key: string, n = 1): void {
    const e = this.entries.get(key);
    if (e) e.adds -= n;
  }

  lowerDels(key: string, n = 1): void {
    const e = this.entries.get(key);
    if (e) e.dels -= n;
  }

  /** True when the key's cache can be trusted: nothing outstanding, or the wait expired. */
  satisfied(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return true;
    return (e.adds <= 0 && e.dels <= 0) || this.clock.now() - e.at > TTL_MS;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
