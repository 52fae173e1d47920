import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, TRIGGER_TIME_ANNOTATION } from "../../api/discovery.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import { ENDPOINTS, ENDPOINTSLICES, SERVICES } from "../../client/resources.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { splitKey } from "../kit/owner.js";
import { mirroredSlices } from "./mirror-plan.js";
import { SliceTracker } from "./slice-tracker.js";
import { slicePorts, writeSlices } from "./slice-writes.js";
import { planSlices, type SliceShape } from "./slices.js";

export const MIRRORING_MANAGED_BY = "endpointslicemirroring-controller.k8s.io";
/** An Endpoints object with this label set to "true" is not mirrored. */
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const LEADER_ELECTION = "control-plane.alpha.kubernetes.io/leader";
const CACHE_CATCH_UP_MS = 20;

export interface MirroringControllerOptions {
  informers: SharedInformers;
  /** --mirroring-concurrent-service-endpoint-syncs (upstream's default 5). */
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The EndpointSlice mirroring controller: a Service without a selector has its Endpoints written by hand
 * (an external database, say), and this controller mirrors them into EndpointSlices labelled
 * `managed-by: endpointslicemirroring-controller.k8s.io` and owned by the Endpoints, so that readers of
 * slices (the proxy, the DNS) see them too. Nothing is mirrored for a service with a selector, for an
 * Endpoints with `endpointslice.kubernetes.io/skip-mirror: "true"`, or for a leader-election record;
 * what was mirrored goes when any of that stops holding. Keyed by namespace/name of service and Endpoints.
 */
export class EndpointSliceMirroringController {
  private readonly services: Informer;
  private readonly endpoints: Informer;
  private readonly slices: Informer;
  private readonly loop: ReconcileLoop;
  private readonly tracker = new SliceTracker();

  constructor(private readonly client: RestClient, private readonly opts: MirroringControllerOptions) {
    this.services = opts.informers.for(SERVICES);
    this.endpoints = opts.informers.for(ENDPOINTS);
    this.slices = opts.informers.for(ENDPOINTSLICES);
    this.loop = new ReconcileLoop({ name: "endpointslice-mirroring-controller", workers: opts.workers ?? 5, sync: (key) => this.sync(key), clock: opts.clock ?? realClock, metrics: opts.metrics, log: opts.log });
    const byKey = (o: KubeObject) => this.loop.enqueue(keyOf(deletedObject(o)));
    this.services.on({ add: byKey, update: (_o, n) => byKey(n), delete: byKey });
    this.endpoints.on({ add: byKey, update: (_o, n) => byKey(n), delete: byKey });
    const mirrored = (o: KubeObject) => {
      const key = mirrorKey(deletedObject(o));
      if (key) this.loop.enqueue(key);
    };
    this.slices.on({ add: mirrored, update: (_o, n) => mirrored(n), delete: mirrored });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.services.waitForSync(), this.endpoints.waitForSync(), this.slices.waitForSync()]);
    await this.loop.run(signal);
  }

  private async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const existing = (this.slices.lister().list(namespace) as unknown as EndpointSlice[]).filter((s) => mirrorKey(s as unknown as KubeObject) === key);
    if (!this.tracker.caughtUp(key, existing)) return { requeueAfterMs: CACHE_CATCH_UP_MS };
    const svc = this.services.lister().get(namespace, name) as Service | undefined;
    const ep = this.endpoints.lister().get(namespace, name) as Endpoints | undefined;
    const mirror = svc && svc.spec?.selector === undefined && ep && ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== "true" && !ep.metadata?.annotations?.[LEADER_ELECTION];
    const desired = mirror ? mirroredSlices(ep) : [];
    const metadata = mirror ? sliceMetadata(ep) : undefined;
    const plan = planSlices(desired, existing, (s) => JSON.stringify([s.metadata?.labels, s.metadata?.annotations, s.metadata?.ownerReferences]) !== JSON.stringify([metadata?.labels, metadata?.annotations, metadata?.ownerReferences]));
    const body = (shape: SliceShape, own: EndpointSlice["metadata"]): KubeObject => ({
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", addressType: "IPv4",
      metadata: { ...own, ...metadata, namespace },
      endpoints: shape.endpoints,
      ports: slicePorts(shape.ports),
    } as KubeObject);
    await writeSlices(this.client, this.tracker, { key, namespace }, plan, body, { generateName: `${name}-` });
  }
}

/** The service key of a slice this controller mirrored, or undefined for anyone else's slice. */
function mirrorKey(slice: KubeObject): string | undefined {
  const labels = slice.metadata.labels ?? {};
  const service = labels[SERVICE_NAME_LABEL];
  return service && labels[MANAGED_BY_LABEL] === MIRRORING_MANAGED_BY ? `${slice.metadata.namespace}/${service}` : undefined;
}

/** A mirrored slice's labels, annotations and owner: the Endpoints' own, as upstream copies them. */
function sliceMetadata(ep: Endpoints): Pick<NonNullable<EndpointSlice["metadata"]>, "labels" | "annotations" | "ownerReferences"> {
  const annotations = { ...(ep.metadata?.annotations ?? {}) };
  delete annotations[TRIGGER_TIME_ANNOTATION];
  delete annotations[LAST_APPLIED];
  return {
    labels: { ...(ep.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: ep.metadata!.name!, [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY },
    annotations,
    ownerReferences: [{ apiVersion: "v1", kind: "Endpoints", name: ep.metadata!.name!, uid: ep.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
  };
}
