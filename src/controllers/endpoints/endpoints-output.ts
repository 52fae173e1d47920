import type { Endpoints, Service } from "kubernetes-types/core/v1.js";
import { isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { keyOf } from "../../client/indexer.js";
import type { Informer } from "../../client/informer.js";
import { ENDPOINTS } from "../../client/resources.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import type { PodEndpoint } from "./addresses.js";
import type { EndpointsOutput } from "./controller.js";
import { TRIGGER_TIME_ANNOTATION as TRIGGER_TIME } from "../../api/discovery.js";
import { endpointSubsets, OVER_CAPACITY } from "./endpoints.js";

export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** Labels an output object carries: the service's own, and the headless marker. */
export function outputLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === "None") labels[HEADLESS_LABEL] = "";
  return labels;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The endpoints controller's output: one v1 Endpoints object per service, named as the service. */
export class EndpointsObjects implements EndpointsOutput {
  readonly name = "endpoint-controller";
  readonly includeTerminating = false;
  readonly informer: Informer;

  constructor(private readonly client: RestClient, informers: SharedInformers) {
    this.informer = informers.for(ENDPOINTS);
  }

  serviceOf(ep: KubeObject): string | undefined {
    return keyOf(ep);
  }

  async reconcile(svc: Service, endpoints: PodEndpoint[], triggerTime: string | undefined): Promise<void> {
    const { namespace, name } = svc.metadata as { namespace: string; name: string };
    const { subsets, truncated } = endpointSubsets(endpoints);
    const current = this.informer.lister().get(namespace, name) as Endpoints | undefined;
    const labels = outputLabels(svc);
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    delete annotations[OVER_CAPACITY];
    if (truncated) annotations[OVER_CAPACITY] = "truncated";
    if (current && same(current.subsets ?? [], subsets) && same(current.metadata?.labels ?? {}, labels) && same(current.metadata?.annotations ?? {}, annotations)) return;
    if (triggerTime) annotations[TRIGGER_TIME] = triggerTime;
    const metadata = { ...(current?.metadata ?? {}), name, namespace, labels, annotations };
    const desired = { apiVersion: "v1", kind: "Endpoints", metadata, subsets } as KubeObject;
    if (current) await this.client.update(ENDPOINTS, desired);
    else await this.client.create(ENDPOINTS, namespace, desired);
  }

  async serviceDeleted(namespace: string, name: string, seen: boolean): Promise<void> {
    const current = this.informer.lister().get(namespace, name);
    // Endpoints without a service that this controller never wrote (no trigger time) are a user's.
    if (!current || (!seen && current.metadata.annotations?.[TRIGGER_TIME] === undefined)) return;
    await this.client.delete(ENDPOINTS, namespace, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
