import { isConflict, isNotFound } from "../api/errors.js";
import { formatTime } from "../api/meta.js";
import { pinnedNodeNames } from "../api/node-affinity.js";
import type { KubeObject } from "../api/types.js";
import { realClock, type Clock } from "../client/clock.js";
import { EventRecorder } from "../client/events.js";
import { keyOf } from "../client/indexer.js";
import { deletedObject, type Informer } from "../client/informer.js";
import { SharedInformers } from "../client/shared-informers.js";
import { ExponentialRateLimiter } from "../client/rate-limiter.js";
import { resourcePath, type RestClient } from "../client/rest.js";
import { WorkQueue } from "../client/workqueue.js";
import { SchedulerCache } from "./cache.js";
import { schedulePod } from "./schedule.js";
import { NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS, STORAGECLASSES } from "../client/resources.js";
import { SELECTED_NODE_ANNOTATION } from "../api/storage.js";
import { podVolumes, type VolumeLookups } from "./volumes.js";


type Json = Record<string, unknown>;

export interface SchedulerOptions {
  schedulerName?: string;
  clock?: Clock;
  /**
   * Binds in flight at once (32: over HTTPS each is a connection of its own). Binding is asynchronous,
   * as upstream's binding cycle.
   */
  bindConcurrency?: number;
  /** Informers shared with other components of the process (their owner runs them); own ones otherwise. */
  informers?: SharedInformers;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The scheduler: watches pods without a node, picks one (filter + score), binds through pods/binding.
 * Unschedulable pods get PodScheduled=False/Unschedulable and a FailedScheduling event, and are retried
 * with back-off (1 s doubling to 10 s, as upstream's pod back-off) and whenever nodes or pods change.
 */
export class Scheduler {
  private readonly cache = new SchedulerCache();
  private readonly queue: WorkQueue<string>;
  private readonly unschedulable = new Set<string>();
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly volumes: VolumeLookups;
  private readonly claims: Informer;
  private readonly ownInformers: SharedInformers | undefined;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly name: string;
  private start = 0;
  private inFlight = 0;
  private readonly slots: Array<() => void> = [];
  /** Removes this scheduler's handlers from informers that may outlive it (shared ones). */
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly client: RestClient, private readonly opts: SchedulerOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.name = opts.schedulerName ?? "default-scheduler";
    this.queue = new WorkQueue<string>(this.clock, new ExponentialRateLimiter<string>(1000, 10_000));
    if (!opts.informers) this.ownInformers = new SharedInformers(client, this.clock);
    const informers = opts.informers ?? this.ownInformers!;
    this.pods = informers.for(PODS);
    this.nodes = informers.for(NODES);
    this.claims = informers.for(PERSISTENTVOLUMECLAIMS);
    const pvs = informers.for(PERSISTENTVOLUMES);
    const classes = informers.for(STORAGECLASSES);
    this.volumes = {
      claim: (ns, name) => this.claims.lister().get(ns, name),
      volume: (name) => pvs.lister().get(undefined, name),
      storageClass: (name) => classes.lister().get(undefined, name),
    };
    // A claim created or bound may make a waiting pod schedulable.
    this.unsubscribe.push(this.claims.on({ add: () => this.retryUnschedulable(), update: () => this.retryUnschedulable() }));
    this.recorder = new EventRecorder(client, this.name, { clock: this.clock, log: opts.log });
    this.unsubscribe.push(this.nodes.on({
      add: (n) => this.nodeChanged(n),
      update: (_o, n) => this.nodeChanged(n),
      delete: (n) => {
        this.cache.deleteNode(deletedObject(n).metadata.name!);
      },
    }));
    this.unsubscribe.push(this.pods.on({
      add: (p) => this.podChanged(p),
      update: (_o, p) => this.podChanged(p),
      delete: (p) => {
        this.cache.remove(keyOf(deletedObject(p)));
        this.retryUnschedulable();
      },
    }));
  }

  private nodeChanged(node: KubeObject): void {
    this.cache.setNode(node);
    this.retryUnschedulable();
  }

  private podChanged(pod: KubeObject): void {
    const key = keyOf(pod);
    const node = (pod.spec as Json | undefined)?.nodeName as string | undefined;
    if (node) {
      this.cache.place(key, pod, node);
      this.unschedulable.delete(key);
    } else if (this.wants(pod)) this.queue.add(key);
  }

  private wants(pod: KubeObject): boolean {
    const spec = (pod.spec ?? {}) as Json;
    return !spec.nodeName && !pod.metadata.deletionTimestamp && (spec.schedulerName ?? "default-scheduler") === this.name;
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = this.ownInformers?.run(signal);
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
    signal.addEventListener("abort", () => this.queue.shutdown(), { once: true });
    while (!signal.aborted) {
      const key = await this.queue.get();
      if (key === undefined) break;
      try {
        await this.scheduleOne(key);
      } finally {
        this.queue.done(key);
      }
    }
    for (const remove of this.unsubscribe) remove();
    await informers;
  }

  private async scheduleOne(key: string): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    const pod = this.pods.lister().get(namespace, name);
    if (!pod || !this.wants(pod) || this.cache.isPlaced(key)) return;
    const all = this.cache.list();
    // Upstream's NodeAffinity PreFilter: a pod pinned to named nodes (a DaemonSet's) looks at those alone.
    const pinned = pinnedNodeNames((pod.spec ?? {}) as Json);
    const nodes = pinned ? pinned.flatMap((n) => this.cache.get(n) ?? []) : all;
    const volumes = podVolumes(pod, this.volumes);
    const result = all.length === 0
      ? { unschedulable: "0/0 nodes are available: no nodes available to schedule pods." }
      : volumes.unschedulable
        ? { unschedulable: `0/${all.length} nodes are available: ${volumes.unschedulable}.` }
        : schedulePod(pod, nodes, nodes.length ? this.start++ % nodes.length : 0, Math.random, all.length, volumes.fits);
    if ("node" in result) {
      this.cache.place(key, pod, result.node);
      await this.acquireSlot();
      void this.bindVolumes(volumes.bindLater, result.node)
        .then((bound) => (bound ? this.bind(pod, key, result.node) : this.unassume(key)))
        .finally(() => this.releaseSlot());
      return;
    }
    this.unschedulable.add(key);
    this.queue.addRateLimited(key);
    await this.markUnschedulable(pod, result.unschedulable);
  }

  /**
   * Upstream's VolumeBinding PreBind: each unbound WaitForFirstConsumer claim gets the chosen node as its
   * selected-node, and the pod is bound only once the volume controller has bound them (false after 60 s).
   */
  private async bindVolumes(claims: KubeObject[], node: string): Promise<boolean> {
    if (claims.length === 0) return true;
    for (const claim of claims) {
      if (claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION]) continue;
      await this.client.patch(PERSISTENTVOLUMECLAIMS, claim.metadata.namespace, claim.metadata.name!, "merge", { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: node } } })
        .catch((err: unknown) => this.opts.log?.({ level: "warn", component: "scheduler", msg: "Selecting a node for a claim failed", claim: keyOf(claim), err: String(err) }));
    }
    const deadline = this.clock.now() + 60_000;
    const bound = () => claims.every((c) => ((this.claims.lister().get(c.metadata.namespace, c.metadata.name!)?.spec ?? {}) as Json).volumeName);
    while (!bound()) {
      if (this.clock.now() > deadline) return false;
      await new Promise<void>((r) => this.clock.setTimer(50, r));
    }
    return true;
  }

  private unassume(key: string): void {
    this.cache.remove(key);
    this.queue.addRateLimited(key);
  }

  private async bind(pod: KubeObject, key: string, node: string): Promise<void> {
    const { namespace, name } = pod.metadata;
    try {
      await this.client.call("POST", resourcePath(PODS, namespace, name, "binding"), {
        body: { apiVersion: "v1", kind: "Binding", metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: node } },
      });
      this.queue.forget(key);
      void this.recorder.event(pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${node}`);
    } catch (err) {
      this.cache.remove(key);
      if (isNotFound(err)) return;
      if (!isConflict(err)) this.opts.log?.({ level: "warn", component: "scheduler", msg: "Binding failed", pod: key, node, err: String(err) });
      this.queue.addRateLimited(key);
    }
  }

  private async markUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const conditions = ((pod.status as Json | undefined)?.conditions ?? []) as Json[];
    const current = conditions.find((c) => c.type === "PodScheduled");
    void this.recorder.event(pod, "Warning", "FailedScheduling", message);
    if (current?.status === "False" && current.message === message) return;
    try {
      await this.client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, "strategic", {
        status: { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: formatTime(this.clock.now()) }] },
      }, "status");
    } catch (err) {
      if (!isNotFound(err)) this.opts.log?.({ level: "warn", component: "scheduler", msg: "Updating pod status failed", pod: keyOf(pod), err: String(err) });
    }
  }

  private acquireSlot(): Promise<void> {
    if (this.inFlight < (this.opts.bindConcurrency ?? 32)) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slots.push(() => {
      this.inFlight++;
      resolve();
    }));
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.slots.shift()?.();
  }
}
