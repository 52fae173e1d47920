import { isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { NODES, PODS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ignoreGone } from "../kit/errors.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { splitKey } from "../kit/owner.js";

/** Upstream's quarantine: a node must have been gone this long before its pods are collected. */
const QUARANTINE_MS = 40_000;

/**
 * Upstream's pod garbage collector, for orphaned pods: a pod bound to a node that no longer exists has no
 * node agent left to stop it or confirm its deletion, so once the node has been gone for the quarantine
 * (and a live read agrees) the pod is deleted at once (grace period 0).
 */
export class PodGarbageCollector {
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly loop: ReconcileLoop;
  /** When each node was seen deleted. */
  private readonly goneSince = new Map<string, number>();

  constructor(private readonly client: RestClient, private readonly opts: { informers: SharedInformers; quarantineMs?: number; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    const clock = opts.clock ?? realClock;
    this.pods = opts.informers.for(PODS);
    this.nodes = opts.informers.for(NODES);
    this.loop = new ReconcileLoop({ name: "pod-garbage-collector", workers: 2, sync: (key) => this.sync(key, clock.now()), clock, metrics: opts.metrics, log: opts.log });
    this.nodes.on({
      add: (n) => this.goneSince.delete(n.metadata.name!),
      delete: (n) => {
        const name = deletedObject(n).metadata.name!;
        this.goneSince.set(name, clock.now());
        for (const pod of this.pods.lister().byIndex("node", name)) this.loop.enqueue(keyOf(pod));
      },
    });
    const check = (pod: KubeObject) => {
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (node && !this.nodes.lister().get(undefined, node)) this.loop.enqueue(keyOf(pod));
    };
    this.pods.on({ add: check, update: (_o, n) => check(n) });
  }

  private async sync(key: string, now: number): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const pod = this.pods.lister().get(namespace, name);
    const node = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!pod || !node || this.nodes.lister().get(undefined, node)) return;
    const since = this.goneSince.get(node) ?? now;
    if (!this.goneSince.has(node)) this.goneSince.set(node, now);
    const wait = since + (this.opts.quarantineMs ?? QUARANTINE_MS) - now;
    if (wait > 0) return { requeueAfterMs: wait };
    try {
      await this.client.get(NODES, undefined, node);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.opts.log?.({ level: "info", component: "controller-manager", controller: "pod-garbage-collector", msg: "Deleting orphaned pod", pod: key, node });
    await this.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch(ignoreGone);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
    for (const pod of this.pods.lister().list()) {
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (node && !this.nodes.lister().get(undefined, node)) this.loop.enqueue(keyOf(pod));
    }
    await this.loop.run(signal);
  }
}
