import { isConflict, isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { EventRecorder } from "../../client/events.js";
import type { RestClient } from "../../client/rest.js";
import { PODS } from "../../client/resources.js";
import { errorMessage } from "./errors.js";
import type { Expectations } from "./expectations.js";

/** What went wrong with a batch of pod writes, for the owner's events and conditions. */
export interface PodWriteFailure {
  reason: "FailedCreate" | "FailedDelete";
  message: string;
}

/**
 * Slow start: batches of 1, 2, 4, … adding up to `total`, so a template the API rejects costs one
 * failed create, not hundreds. E.g. total 10 → [1, 2, 4, 3].
 */
export function slowStartBatches(total: number, initial = 1): number[] {
  const batches: number[] = [];
  let left = total;
  for (let size = initial; left > 0; size *= 2) {
    const n = Math.min(size, left);
    batches.push(n);
    left -= n;
  }
  return batches;
}

/**
 * Upstream's PodControl for one owner's key: creates and deletes pods with the owner's
 * SuccessfulCreate/FailedCreate/SuccessfulDelete/FailedDelete events, telling the expectations what
 * will (and, after a failure, will never) be observed.
 */
export class PodControl {
  constructor(private readonly client: RestClient, private readonly recorder: EventRecorder, private readonly expectations: Expectations) {}

  /**
   * Creates `pods` in slow-start batches, stopping at the first failed batch; returns the failure, if
   * any. The expectations must already count these creates.
   */
  async create(owner: KubeObject, key: string, pods: KubeObject[], onCreated?: (pod: KubeObject, index: number) => void): Promise<PodWriteFailure | undefined> {
    let next = 0;
    for (const batch of slowStartBatches(pods.length)) {
      const slice = pods.slice(next, next + batch);
      const offset = next;
      next += batch;
      const results = await Promise.allSettled(slice.map((p) => this.client.create(PODS, p.metadata.namespace ?? owner.metadata.namespace, p)));
      let failed: unknown;
      results.forEach((r, i) => {
        if (r.status === "fulfilled") {
          void this.recorder.event(owner, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
          onCreated?.(r.value, offset + i);
        } else {
          failed ??= r.reason;
          this.expectations.lowerAdds(key);
        }
      });
      if (failed !== undefined) {
        // The creates never attempted will not be observed either.
        this.expectations.lowerAdds(key, pods.length - next);
        void this.recorder.event(owner, "Warning", "FailedCreate", `Error creating: ${errorMessage(failed)}`);
        return { reason: "FailedCreate", message: errorMessage(failed) };
      }
    }
    return undefined;
  }

  /** Deletes `pods` at once (each guarded by its uid); a pod already gone is not a failure. */
  async delete(owner: KubeObject, key: string, pods: KubeObject[]): Promise<PodWriteFailure | undefined> {
    let failure: PodWriteFailure | undefined;
    await Promise.all(pods.map(async (pod) => {
      try {
        await this.client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        void this.recorder.event(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
      } catch (err) {
        this.expectations.lowerDels(key);
        if (isNotFound(err) || isConflict(err)) return;
        void this.recorder.event(owner, "Warning", "FailedDelete", `Error deleting: ${errorMessage(err)}`);
        failure ??= { reason: "FailedDelete", message: errorMessage(err) };
      }
    }));
    return failure;
  }
}
