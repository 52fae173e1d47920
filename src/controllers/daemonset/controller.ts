import { canonicalJson } from "../../api/canonical.js";
import { selectorFromLabelSelector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import { ExponentialRateLimiter } from "../../client/rate-limiter.js";
import type { RestClient } from "../../client/rest.js";
import { CONTROLLERREVISIONS, DAEMONSETS, NODES, PODS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { Expectations } from "../kit/expectations.js";
import { ControllerHistory } from "../kit/history.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { PodControl } from "../kit/pod-control.js";
import { controllerRefHandlers, ownedPodHandlers } from "../kit/handlers.js";
import { DaemonSetSync } from "./sync.js";

export interface DaemonSetControllerOptions {
  informers: SharedInformers;
  /** --concurrent-daemonset-syncs (upstream's default 2). */
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/** What about a node can change which daemons belong on it: labels, taints, schedulability, condition statuses. */
function placementOf(node: KubeObject): string {
  const spec = (node.spec ?? {}) as { taints?: unknown; unschedulable?: boolean };
  const conditions = ((node.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
  return canonicalJson({ labels: node.metadata.labels ?? {}, taints: spec.taints ?? [], unschedulable: spec.unschedulable ?? false, conditions });
}

/** Failed daemon pods are replaced with per-node back-off: 1 s doubling to 15 min, as upstream's failedPodsBackoff. */
class FailedPodBackoff {
  private readonly delays = new ExponentialRateLimiter<string>(1000, 15 * 60_000);
  private readonly until = new Map<string, number>();

  inBackoff(key: string, now: number): number {
    return Math.max(0, (this.until.get(key) ?? 0) - now);
  }

  next(key: string, now: number): void {
    this.until.set(key, now + this.delays.when(key));
  }
}

/**
 * The DaemonSet controller: informers on DaemonSets, pods, nodes and ControllerRevisions; every change
 * becomes the key of the DaemonSet(s) concerned (a node change wakes them all), and the loop's sync
 * (sync.ts) keeps one pod per eligible node and rolls them over to the current revision.
 */
export class DaemonSetController {
  private readonly daemonSets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer;
  private readonly loop: ReconcileLoop;

  constructor(client: RestClient, opts: DaemonSetControllerOptions) {
    const clock = opts.clock ?? realClock;
    this.daemonSets = opts.informers.for(DAEMONSETS);
    this.pods = opts.informers.for(PODS);
    this.nodes = opts.informers.for(NODES);
    this.revisions = opts.informers.for(CONTROLLERREVISIONS);
    const expectations = new Expectations(clock);
    const recorder = new EventRecorder(client, "daemonset-controller", { clock, log: opts.log });
    const sync = new DaemonSetSync(client, {
      daemonSets: this.daemonSets, pods: this.pods, nodes: this.nodes, history: new ControllerHistory(client, this.revisions),
      expectations, podControl: new PodControl(client, recorder, expectations), recorder, clock, failedPods: new FailedPodBackoff(),
    });
    this.loop = new ReconcileLoop({ name: "daemonset", workers: opts.workers ?? 2, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });

    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    const enqueueAll = () => {
      for (const ds of this.daemonSets.lister().list()) enqueue(ds);
    };
    this.daemonSets.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => {
      const ds = deletedObject(o);
      expectations.forget(keyOf(ds));
      enqueue(ds);
    } });
    this.pods.on(ownedPodHandlers({
      owners: this.daemonSets, kind: "DaemonSet", selector: (ds) => selectorFromLabelSelector((ds.spec as { selector?: object } | undefined)?.selector),
      expectations, enqueue: (key) => this.loop.enqueue(key), enqueueAfter: (key, ms) => this.loop.enqueueAfter(key, ms),
    }));
    this.nodes.on({ add: enqueueAll, update: (o, n) => {
      if (placementOf(o) !== placementOf(n)) enqueueAll();
    }, delete: enqueueAll });
    this.revisions.on(controllerRefHandlers("DaemonSet", (key) => this.loop.enqueue(key)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.daemonSets.waitForSync(), this.pods.waitForSync(), this.nodes.waitForSync(), this.revisions.waitForSync()]);
    await this.loop.run(signal);
  }
}
