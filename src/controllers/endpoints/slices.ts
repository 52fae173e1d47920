import type { Endpoint, EndpointPort as SlicePort, EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { portsKey, type EndpointPort, type PodEndpoint } from "./addresses.js";

/** Upstream's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** What one slice should hold: its ports and its endpoints. */
export interface SliceShape {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

function endpointOf(e: PodEndpoint): Endpoint {
  const out: Endpoint = { addresses: [e.ip], conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating } };
  if (e.hostname) out.hostname = e.hostname;
  if (e.nodeName) out.nodeName = e.nodeName;
  out.targetRef = { kind: "Pod", namespace: e.pod.metadata!.namespace, name: e.pod.metadata!.name, uid: e.pod.metadata!.uid };
  return out;
}

/** The slices a service's endpoints need: one group per set of ports, each cut into slices of at most `max`. */
export function desiredSlices(endpoints: readonly PodEndpoint[], max = MAX_ENDPOINTS_PER_SLICE): SliceShape[] {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const e of endpoints) {
    const key = portsKey(e.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: e.ports, endpoints: [] }));
    g.endpoints.push(endpointOf(e));
  }
  const shapes: SliceShape[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.endpoints.length; i += max) shapes.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + max) });
  }
  return shapes;
}

export interface SlicePlan {
  create: SliceShape[];
  update: Array<{ slice: EndpointSlice; shape: SliceShape }>;
  delete: EndpointSlice[];
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const slicePortsKey = (ports: SlicePort[] | undefined) => portsKey((ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port ?? 0, protocol: p.protocol ?? "TCP", appProtocol: p.appProtocol })));

/**
 * Which existing slices to rewrite, which to create and which to delete so the service's slices hold
 * `desired`. Slices are reused in place when they serve the same ports, so names stay put; a slice that
 * already holds what it should is left alone (`stale` marks slices to rewrite regardless, e.g. for labels).
 */
export function planSlices(desired: readonly SliceShape[], existing: readonly EndpointSlice[], stale: (s: EndpointSlice) => boolean = () => false): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const pool = new Map<string, EndpointSlice[]>();
  for (const s of [...existing].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))) {
    const key = slicePortsKey(s.ports);
    pool.set(key, [...(pool.get(key) ?? []), s]);
  }
  const unmatched: SliceShape[] = [];
  // First the slices that are already right, then reuse the rest for what changed.
  for (const shape of desired) {
    const candidates = pool.get(portsKey(shape.ports)) ?? [];
    const exact = candidates.findIndex((s) => sameJson(s.endpoints ?? [], shape.endpoints));
    if (exact >= 0) {
      const [slice] = candidates.splice(exact, 1);
      if (stale(slice!)) plan.update.push({ slice: slice!, shape });
    } else unmatched.push(shape);
  }
  for (const shape of unmatched) {
    const slice = pool.get(portsKey(shape.ports))?.shift();
    if (slice) plan.update.push({ slice, shape });
    else plan.create.push(shape);
  }
  for (const rest of pool.values()) plan.delete.push(...rest);
  return plan;
}
