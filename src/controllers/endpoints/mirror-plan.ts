import type { Endpoints } from "kubernetes-types/core/v1.js";
import type { Endpoint } from "kubernetes-types/discovery/v1.js";
import { portsKey, type EndpointPort } from "./addresses.js";
import type { SliceShape } from "./slices.js";

/** Upstream's --mirroring-max-endpoints-per-subset default: addresses past it in one subset are not mirrored. */
export const MIRRORING_MAX_ENDPOINTS_PER_SUBSET = 1000;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isIPv4 = (ip: string) => IPV4.test(ip) && ip.split(".").every((o) => Number(o) <= 255);

/**
 * The slices that mirror a hand-written Endpoints object (upstream's EndpointSlice mirroring controller):
 * the subsets grouped by their ports, ready and not-ready addresses as endpoints with that condition,
 * at most `max` addresses of each subset and `max` endpoints a slice. Addresses that are not IPv4 are
 * left out (Tugboat's slices are IPv4, as its cluster is).
 *
 * Example: subsets [{addresses: [a, b], ports: [80]}, {notReadyAddresses: [c], ports: [80]}] →
 * one slice with ports [80] and endpoints a (ready), b (ready), c (not ready).
 */
export function mirroredSlices(ep: Endpoints, max = MIRRORING_MAX_ENDPOINTS_PER_SUBSET): SliceShape[] {
  const groups = new Map<string, SliceShape>();
  for (const subset of ep.subsets ?? []) {
    const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP", ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [] }));
    let taken = 0;
    for (const [addresses, ready] of [[subset.addresses ?? [], true], [subset.notReadyAddresses ?? [], false]] as const) {
      for (const a of addresses) {
        if (taken >= max) break;
        if (!isIPv4(a.ip)) continue;
        const endpoint: Endpoint = { addresses: [a.ip], conditions: { ready } };
        if (a.hostname) endpoint.hostname = a.hostname;
        if (a.nodeName) endpoint.nodeName = a.nodeName;
        if (a.targetRef) endpoint.targetRef = a.targetRef;
        group.endpoints.push(endpoint);
        taken++;
      }
    }
  }
  const shapes: SliceShape[] = [];
  for (const g of groups.values()) {
    if (g.endpoints.length === 0) continue;
    for (let i = 0; i < g.endpoints.length; i += max) shapes.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + max) });
  }
  return shapes;
}
