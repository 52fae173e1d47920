import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer, type Tombstone } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { Expectations } from "../kit/expectations.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { controllerOf, resolveControllerRef } from "../kit/owner.js";
import type { ReplicaKind } from "./kind.js";
import { ReplicaSync } from "./sync.js";
import { PODS } from "../../client/resources.js";


export interface ReplicaControllerOptions {
  kind: ReplicaKind;
  /** --concurrent-replicaset-syncs / --concurrent-rc-syncs (upstream's default 5). */
  workers?: number;
  /** Where the pods and owners informers come from (shared with the other controllers). */
  informers: SharedInformers;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The ReplicaSet controller (and, with the other kind, the ReplicationController controller): informers
 * on its kind and on pods, handlers that turn every change into the key of the owner(s) concerned, and a
 * reconcile loop whose sync keeps exactly `replicas` active pods (see sync.ts).
 */
export class ReplicaController {
  readonly owners: Informer;
  readonly pods: Informer;
  private readonly loop: ReconcileLoop;
  private readonly expectations: Expectations;

  constructor(client: RestClient, private readonly opts: ReplicaControllerOptions) {
    const clock = opts.clock ?? realClock;
    this.owners = opts.informers.for(opts.kind.resource);
    this.pods = opts.informers.for(PODS);
    this.expectations = new Expectations(clock);
    const sync = new ReplicaSync(client, {
      kind: opts.kind, owners: this.owners, pods: this.pods, expectations: this.expectations, clock, log: opts.log,
      recorder: new EventRecorder(client, opts.kind.controllerName, { clock, log: opts.log }),
    });
    this.loop = new ReconcileLoop({ name: opts.kind.controllerName, workers: opts.workers ?? 5, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });

    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    this.owners.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => {
      const obj = deletedObject(o);
      this.expectations.forget(keyOf(obj));
      enqueue(obj);
    } });
    this.pods.on({ add: (p) => this.podAdded(p), update: (o, n) => this.podUpdated(o, n), delete: (p) => this.podDeleted(p) });
  }

  /** The owner of our kind a controller reference points at, if it is in the cache. */
  private ownerOf(pod: KubeObject): KubeObject | undefined {
    return resolveControllerRef(this.owners, pod, this.opts.kind.kind);
  }

  /** Owners whose selector matches an orphan pod: each may adopt it. */
  private matchingOwners(pod: KubeObject): KubeObject[] {
    return this.owners.lister().list(pod.metadata.namespace).filter((o) => this.opts.kind.selector(o)?.matches(pod.metadata.labels) === true);
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const owner = this.ownerOf(pod);
    if (owner) {
      this.expectations.creationObserved(keyOf(owner));
      return this.loop.enqueue(keyOf(owner));
    }
    if (!controllerOf(pod)) for (const o of this.matchingOwners(pod)) this.loop.enqueue(keyOf(o));
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      this.podDeleted(pod);
      const before = this.ownerOf(old);
      if (before) this.loop.enqueue(keyOf(before));
      return;
    }
    const before = this.ownerOf(old);
    const after = this.ownerOf(pod);
    if (before && before !== after) this.loop.enqueue(keyOf(before));
    if (after) {
      this.loop.enqueue(keyOf(after));
      // A pod that just turned ready becomes available minReadySeconds later: look again then.
      const minReady = (after.spec as { minReadySeconds?: number } | undefined)?.minReadySeconds ?? 0;
      if (minReady > 0) this.loop.enqueueAfter(keyOf(after), minReady * 1000 + 1);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
    if (!controllerOf(pod) && (labelsChanged || controllerOf(old))) for (const o of this.matchingOwners(pod)) this.loop.enqueue(keyOf(o));
  }

  private podDeleted(p: KubeObject | Tombstone<KubeObject>): void {
    const pod = deletedObject(p);
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== this.opts.kind.kind) return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    this.expectations.deletionObserved(key);
    this.loop.enqueue(key);
  }

  /** Runs the workers once the (separately started) shared informers have synced. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.owners.waitForSync(), this.pods.waitForSync()]);
    await this.loop.run(signal);
  }

}
