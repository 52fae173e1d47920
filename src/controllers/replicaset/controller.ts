import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { Expectations } from "../kit/expectations.js";
import { ReconcileLoop } from "../kit/loop.js";
import { PodControl } from "../kit/pod-control.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { ownedPodHandlers } from "../kit/handlers.js";
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
    const recorder = new EventRecorder(client, opts.kind.controllerName, { clock, log: opts.log });
    const sync = new ReplicaSync(client, {
      kind: opts.kind, owners: this.owners, pods: this.pods, expectations: this.expectations, clock, log: opts.log,
      recorder, podControl: new PodControl(client, recorder, this.expectations),
    });
    this.loop = new ReconcileLoop({ name: opts.kind.controllerName, workers: opts.workers ?? 5, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });

    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    this.owners.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => {
      const obj = deletedObject(o);
      this.expectations.forget(keyOf(obj));
      enqueue(obj);
    } });
    this.pods.on(ownedPodHandlers({
      owners: this.owners, kind: opts.kind.kind, selector: (o) => opts.kind.selector(o), expectations: this.expectations,
      enqueue: (key) => this.loop.enqueue(key), enqueueAfter: (key, ms) => this.loop.enqueueAfter(key, ms),
    }));
  }

  /** Runs the workers once the (separately started) shared informers have synced. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.owners.waitForSync(), this.pods.waitForSync()]);
    await this.loop.run(signal);
  }

}
