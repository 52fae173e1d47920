import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import type { KubeObject } from "../../api/types.js";
import type { Informer } from "../../client/informer.js";
import { ENDPOINTSLICES } from "../../client/resources.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import type { SyncResult } from "../kit/loop.js";
import type { PodEndpoint } from "./addresses.js";
import type { EndpointsOutput } from "./controller.js";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, TRIGGER_TIME_ANNOTATION as TRIGGER_TIME } from "../../api/discovery.js";
import { outputLabels } from "./endpoints-output.js";
import { SliceTracker } from "./slice-tracker.js";
import { slicePorts, writeSlices } from "./slice-writes.js";
import { desiredSlices, planSlices, type SliceShape } from "./slices.js";

export const MANAGED_BY = "endpointslice-controller.k8s.io";

/** How long to wait for the cache to show this controller's own writes before looking again. */
const CACHE_CATCH_UP_MS = 20;

/**
 * The EndpointSlice controller's output: a service's endpoints cut into slices of at most 100, named
 * `<service>-<5 chars>`, owned by the service (the garbage collector removes them with it). Like
 * upstream's EndpointSliceTracker, it remembers the revision of each slice it wrote, and does not act on
 * a cache that doesn't show them yet (it would create duplicates).
 */
export class EndpointSlices implements EndpointsOutput {
  readonly name = "endpointslice-controller";
  readonly includeTerminating = true;
  readonly informer: Informer;
  private readonly tracker = new SliceTracker();

  constructor(private readonly client: RestClient, informers: SharedInformers) {
    this.informer = informers.for(ENDPOINTSLICES);
  }

  serviceOf(slice: KubeObject): string | undefined {
    const labels = slice.metadata.labels ?? {};
    const service = labels[SERVICE_NAME_LABEL];
    return service && labels[MANAGED_BY_LABEL] === MANAGED_BY ? `${slice.metadata.namespace}/${service}` : undefined;
  }

  private slicesOf(namespace: string, service: string): EndpointSlice[] {
    return this.informer.lister().list(namespace).filter((s) => this.serviceOf(s) === `${namespace}/${service}`) as unknown as EndpointSlice[];
  }

  async reconcile(svc: Service, endpoints: PodEndpoint[], triggerTime: string | undefined): Promise<SyncResult> {
    const { namespace, name, uid } = svc.metadata as { namespace: string; name: string; uid: string };
    const key = `${namespace}/${name}`;
    const existing = this.slicesOf(namespace, name);
    if (!this.tracker.caughtUp(key, existing)) return { requeueAfterMs: CACHE_CATCH_UP_MS };
    let desired = desiredSlices(endpoints);
    // A service with no endpoints keeps one empty placeholder slice, as upstream.
    if (desired.length === 0) desired = [{ ports: [], endpoints: [] }];
    const labels = { ...outputLabels(svc), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    const plan = planSlices(desired, existing, (s) => JSON.stringify(s.metadata?.labels ?? {}) !== JSON.stringify(labels));
    const annotations = triggerTime ? { [TRIGGER_TIME]: triggerTime } : undefined;
    const body = (shape: SliceShape, metadata: EndpointSlice["metadata"]): KubeObject => ({
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", addressType: "IPv4",
      metadata: { ...metadata, namespace, labels, annotations: { ...(metadata?.annotations ?? {}), ...annotations } },
      endpoints: shape.endpoints,
      ports: slicePorts(shape.ports),
    } as KubeObject);
    const owner = { apiVersion: "v1", kind: "Service", name, uid, controller: true, blockOwnerDeletion: true };
    await writeSlices(this.client, this.tracker, { key, namespace }, plan, body, { generateName: `${name}-`, ownerReferences: [owner] });
  }

  /** The garbage collector removes a deleted service's slices (they name it as their owner). */
  async serviceDeleted(namespace: string, name: string): Promise<void> {
    this.tracker.forget(`${namespace}/${name}`);
  }
}
