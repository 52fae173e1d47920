import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer, type Tombstone } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { DEPLOYMENTS, PODS, REPLICASETS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { selectorFromLabelSelector } from "../../api/labels.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { controllerOf, resolveControllerRef } from "../kit/owner.js";
import { DeploymentSync } from "./sync.js";
import { restWrites, type DeploymentWrites } from "./writes.js";

export interface DeploymentControllerOptions {
  informers: SharedInformers;
  /** --concurrent-deployment-syncs (upstream's default 5). */
  workers?: number;
  /** The writes, replaceable in tests; the API through `client` otherwise. */
  writes?: DeploymentWrites;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

const NAME = "deployment-controller";

/**
 * The Deployment controller: informers on Deployments, ReplicaSets and pods; every ReplicaSet change
 * queues the Deployment that controls it (or, for an orphan, every Deployment that selects it); a pod
 * deletion queues a Recreate Deployment waiting for its old pods to go. The sync is in sync.ts.
 */
export class DeploymentController {
  private readonly deployments: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly loop: ReconcileLoop;

  constructor(client: RestClient, opts: DeploymentControllerOptions) {
    const clock = opts.clock ?? realClock;
    this.deployments = opts.informers.for(DEPLOYMENTS);
    this.replicaSets = opts.informers.for(REPLICASETS);
    this.pods = opts.informers.for(PODS);
    const sync = new DeploymentSync(client, {
      deployments: this.deployments, replicaSets: this.replicaSets, pods: this.pods, clock,
      writes: opts.writes ?? restWrites(client),
      recorder: new EventRecorder(client, NAME, { clock, log: opts.log }),
    });
    this.loop = new ReconcileLoop({ name: NAME, workers: opts.workers ?? 5, sync: (key) => sync.sync(key), clock, metrics: opts.metrics, log: opts.log });

    const enqueue = (o: KubeObject) => this.loop.enqueue(keyOf(o));
    this.deployments.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => enqueue(deletedObject(o)) });
    this.replicaSets.on({
      add: (rs) => this.replicaSetChanged(rs),
      update: (old, rs) => {
        if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
        const before = this.ownerOf(old);
        if (before && controllerOf(old)?.uid !== controllerOf(rs)?.uid) enqueue(before);
        const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(rs.metadata.labels ?? {});
        if (controllerOf(rs) || labelsChanged || controllerOf(old)) this.replicaSetChanged(rs);
      },
      delete: (rs) => this.replicaSetChanged(deletedObject(rs)),
    });
    this.pods.on({ delete: (p) => this.podDeleted(p) });
  }

  /** The Deployment a controller reference points at, if it is in the cache. */
  private ownerOf(rs: KubeObject): KubeObject | undefined {
    return resolveControllerRef(this.deployments, rs, "Deployment");
  }

  /** Queues the owner of a ReplicaSet, or every Deployment that might adopt an orphan. */
  private replicaSetChanged(rs: KubeObject): void {
    if (controllerOf(rs)) {
      const d = this.ownerOf(rs);
      if (d) this.loop.enqueue(keyOf(d));
      return;
    }
    if (rs.metadata.deletionTimestamp) return;
    for (const d of this.deployments.lister().list(rs.metadata.namespace)) {
      const selector = selectorFromLabelSelector((d.spec as { selector?: object } | undefined)?.selector);
      if (selector && !selector.isEmpty() && selector.matches(rs.metadata.labels)) this.loop.enqueue(keyOf(d));
    }
  }

  private podDeleted(p: KubeObject | Tombstone<KubeObject>): void {
    const rs = resolveControllerRef(this.replicaSets, deletedObject(p), "ReplicaSet");
    const d = rs ? this.ownerOf(rs) : undefined;
    if (d && (d.spec as { strategy?: { type?: string } } | undefined)?.strategy?.type === "Recreate") this.loop.enqueue(keyOf(d));
  }

  /** Runs the workers once the (separately started) shared informers have synced. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deployments.waitForSync(), this.replicaSets.waitForSync(), this.pods.waitForSync()]);
    await this.loop.run(signal);
  }
}
