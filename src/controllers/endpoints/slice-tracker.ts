import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";

/**
 * What a slice-writing controller wrote and the cache may not show yet (upstream's EndpointSliceTracker):
 * per key, each slice's name → the resourceVersion written, or null once deleted. A sync that acts on a
 * cache behind its own writes would create duplicates, so it waits until `caughtUp` holds.
 */
export class SliceTracker {
  private readonly written = new Map<string, Map<string, number | null>>();

  /** Whether `cached` shows every write recorded for `key` (then the record is dropped). */
  caughtUp(key: string, cached: readonly EndpointSlice[]): boolean {
    const writes = this.written.get(key);
    if (!writes) return true;
    const byName = new Map(cached.map((s) => [s.metadata!.name!, Number(s.metadata!.resourceVersion)]));
    for (const [name, rv] of writes) {
      const seen = byName.get(name);
      if (rv === null ? seen !== undefined : seen === undefined || seen < rv) return false;
    }
    this.written.delete(key);
    return true;
  }

  record(key: string, name: string, rv: number | null): void {
    let writes = this.written.get(key);
    if (!writes) this.written.set(key, (writes = new Map()));
    writes.set(name, rv);
  }

  forget(key: string): void {
    this.written.delete(key);
  }
}
