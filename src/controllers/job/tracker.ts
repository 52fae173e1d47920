import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/types.js";
import { hasTrackingFinalizer } from "./plan.js";

/**
 * What the Job controller wrote that its caches may not show yet (upstream's uidTrackingExpectations and
 * the status it last wrote): counting from a Job status or pods older than its own writes would count a
 * finished pod twice, or create pods for completions already reached.
 */
export class JobTracker {
  private readonly statusRevision = new Map<string, number>();
  private readonly freed = new Map<string, Set<string>>();

  wrote(key: string, job: KubeObject): void {
    this.statusRevision.set(key, Number(job.metadata.resourceVersion));
  }

  /** Whether the cached Job is at least as new as the last status this controller wrote. */
  caughtUp(key: string, cached: KubeObject): boolean {
    const want = this.statusRevision.get(key);
    if (want === undefined || Number(cached.metadata.resourceVersion) >= want) {
      this.statusRevision.delete(key);
      return true;
    }
    return false;
  }

  release(key: string, uids: Set<string>): void {
    if (uids.size === 0) return;
    const set = this.freed.get(key) ?? new Set<string>();
    for (const uid of uids) set.add(uid);
    this.freed.set(key, set);
  }

  /** Pods whose finalizer this controller removed but the cache still shows: already counted. */
  released(key: string, cached: Pod[]): Set<string> {
    const set = this.freed.get(key);
    if (!set) return new Set();
    const stillHeld = new Set(cached.filter(hasTrackingFinalizer).map((p) => p.metadata!.uid!));
    for (const uid of set) if (!stillHeld.has(uid)) set.delete(uid);
    if (set.size === 0) this.freed.delete(key);
    return set;
  }

  forget(key: string): void {
    this.statusRevision.delete(key);
    this.freed.delete(key);
  }
}
