import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { Selector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import { PODS, SERVICES } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { splitKey } from "../kit/owner.js";
import { isPodReady, podEndpoints, type PodEndpoint } from "./addresses.js";


/** Where a service's endpoints are written: Endpoints objects, or EndpointSlices. */
export interface EndpointsOutput {
  /** The controller's name, as kube-controller-manager names it. */
  readonly name: string;
  /** EndpointSlices keep terminating pods (ready=false, terminating=true); Endpoints leave them out. */
  readonly includeTerminating: boolean;
  /** The written objects, so a change made by someone else queues its service again. */
  readonly informer: Informer;
  /** The key of the service an output object belongs to, if this controller manages it. */
  serviceOf(obj: KubeObject): string | undefined;
  /** Writes what the service's endpoints should be; returns a requeue when the cache is behind its own writes. */
  reconcile(svc: Service, endpoints: PodEndpoint[], triggerTime: string | undefined): Promise<SyncResult>;
  /**
   * The service is not there: `seen` when its deletion was observed (then what was written for it goes,
   * as upstream); otherwise the output may be someone else's, written by hand before any service.
   */
  serviceDeleted(namespace: string, name: string, seen: boolean): Promise<void>;
}

export interface EndpointsControllerOptions {
  output: EndpointsOutput;
  informers: SharedInformers;
  /** --concurrent-service-endpoint-syncs (upstream's default 5). */
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/** What of a pod the endpoints depend on; other changes (most status writes) are ignored. */
function endpointFacts(pod: Pod): string {
  const s = pod.spec;
  return JSON.stringify([pod.status?.podIP, isPodReady(pod), !!pod.metadata?.deletionTimestamp, pod.status?.phase, s?.nodeName, s?.hostname, s?.subdomain, pod.metadata?.labels]);
}

/**
 * The endpoints controller and the EndpointSlice controller (one class, two outputs): services and pods
 * are watched; a change to a pod queues every service whose selector matches it (before or after), and a
 * sync writes the endpoints of one service from the pods in the cache.
 */
export class ServiceEndpointsController {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly loop: ReconcileLoop;
  private readonly clock: Clock;
  /** Each cached service's selector, parsed once per version of the object. */
  private readonly selectors = new WeakMap<Service, Selector | null>();
  /** When the first change not yet written for a service was seen. */
  private readonly pendingSince = new Map<string, number>();
  /** Services whose deletion was observed and not yet synced. */
  private readonly deletionsSeen = new Set<string>();

  constructor(private readonly opts: EndpointsControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.services = opts.informers.for(SERVICES);
    this.pods = opts.informers.for(PODS);
    const output = opts.output;
    this.loop = new ReconcileLoop({ name: output.name, workers: opts.workers ?? 5, sync: (key) => this.sync(key), clock: this.clock, metrics: opts.metrics, log: opts.log });

    const service = (o: KubeObject) => this.enqueue(keyOf(o));
    this.services.on({
      add: service, update: (_o, n) => service(n),
      delete: (o) => {
        this.deletionsSeen.add(keyOf(deletedObject(o)));
        service(deletedObject(o));
      },
    });
    this.pods.on({
      add: (p) => this.podChanged(p as Pod),
      update: (o, n) => {
        if (endpointFacts(o as Pod) !== endpointFacts(n as Pod)) this.podChanged(n as Pod, o as Pod);
      },
      delete: (p) => this.podChanged(deletedObject(p) as Pod),
    });
    const owned = (o: KubeObject) => {
      const key = output.serviceOf(deletedObject(o));
      if (key) this.loop.enqueue(key);
    };
    output.informer.on({ add: owned, update: (_o, n) => owned(n), delete: owned });
  }

  private enqueue(key: string): void {
    this.changedAt(key, this.clock.now());
    this.loop.enqueue(key);
  }

  /** Records a change not yet written; the earliest one is the trigger time, as upstream's tracker. */
  private changedAt(key: string, at: number): void {
    const earlier = this.pendingSince.get(key);
    if (earlier === undefined || at < earlier) this.pendingSince.set(key, at);
  }

  /** The service's selector; null for a service without one (its endpoints are written by hand). */
  private selectorOf(svc: Service): Selector | null {
    let s = this.selectors.get(svc);
    if (s === undefined) {
      const selector = svc.spec?.selector;
      s = selector && Object.keys(selector).length > 0 ? Selector.fromMap(selector) : null;
      this.selectors.set(svc, s);
    }
    return s;
  }

  private podChanged(pod: Pod, old?: Pod): void {
    const ns = pod.metadata!.namespace!;
    for (const svc of this.services.lister().list(ns) as Service[]) {
      const s = this.selectorOf(svc);
      if (s && (s.matches(pod.metadata?.labels) || (old && s.matches(old.metadata?.labels)))) this.enqueue(keyOf(svc as KubeObject));
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.services.waitForSync(), this.pods.waitForSync(), this.opts.output.informer.waitForSync()]);
    await this.loop.run(signal);
  }

  private async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const since = this.pendingSince.get(key);
    this.pendingSince.delete(key);
    const svc = this.services.lister().get(namespace, name) as Service | undefined;
    const deletionSeen = this.deletionsSeen.delete(key);
    if (!svc) return this.opts.output.serviceDeleted(namespace, name, deletionSeen);
    const s = this.selectorOf(svc);
    // A service without a selector has its endpoints written by hand; an ExternalName one has none.
    if (!s || svc.spec?.type === "ExternalName") return;
    const pods = (this.pods.lister().list(namespace) as Pod[]).filter((p) => s.matches(p.metadata?.labels));
    const endpoints = podEndpoints(svc, pods, this.opts.output.includeTerminating);
    const trigger = since === undefined ? undefined : new Date(since).toISOString();
    let written = false;
    try {
      const result = await this.opts.output.reconcile(svc, endpoints, trigger);
      written = !result;
      return result;
    } finally {
      // Not written (a retry, or a cache behind its own writes): the change is still pending.
      if (!written && since !== undefined) this.changedAt(key, since);
    }
  }
}
