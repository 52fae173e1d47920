import { selectorFromLabelSelector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CONTROLLERREVISIONS, PERSISTENTVOLUMECLAIMS, PODS, STATEFULSETS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { Expectations } from "../kit/expectations.js";
import { ControllerHistory } from "../kit/history.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { controllerRefHandlers, ownedPodHandlers } from "../kit/handlers.js";
import { StatefulSetSync } from "./sync.js";

export interface StatefulSetControllerOptions {
  informers: SharedInformers;
  /** --concurrent-statefulset-syncs (upstream's default 5). */
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The StatefulSet controller: informers on StatefulSets, pods, claims and ControllerRevisions; pod and
 * revision changes wake their set, and each sync (sync.ts) takes the next steps toward it. Pod names are
 * fixed, so a create or delete repeated from a stale cache is a harmless 409 or 404 (no expectations).
 */
export class StatefulSetController {
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly claims: Informer;
  private readonly revisions: Informer;
  private readonly loop: ReconcileLoop;

  constructor(client: RestClient, opts: StatefulSetControllerOptions) {
    const clock = opts.clock ?? realClock;
    this.sets = opts.informers.for(STATEFULSETS);
    this.pods = opts.informers.for(PODS);
    this.claims = opts.informers.for(PERSISTENTVOLUMECLAIMS);
    this.revisions = opts.informers.for(CONTROLLERREVISIONS);
    const sync = new StatefulSetSync(client, {
      sets: this.sets, pods: this.pods, claims: this.claims, history: new ControllerHistory(client, this.revisions),
      recorder: new EventRecorder(client, "statefulset-controller", { clock, log: opts.log }), clock,
    });
    this.loop = new ReconcileLoop({ name: "statefulset", workers: opts.workers ?? 5, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });
    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    this.sets.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => enqueue(deletedObject(o)) });
    this.pods.on(ownedPodHandlers({
      owners: this.sets, kind: "StatefulSet", selector: (s) => selectorFromLabelSelector((s.spec as { selector?: object } | undefined)?.selector),
      expectations: new Expectations(clock), enqueue: (key) => this.loop.enqueue(key), enqueueAfter: (key, ms) => this.loop.enqueueAfter(key, ms),
    }));
    this.revisions.on(controllerRefHandlers("StatefulSet", (key) => this.loop.enqueue(key)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.sets.waitForSync(), this.pods.waitForSync(), this.claims.waitForSync(), this.revisions.waitForSync()]);
    await this.loop.run(signal);
  }
}
