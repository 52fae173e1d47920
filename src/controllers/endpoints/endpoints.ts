import type { EndpointAddress, EndpointSubset } from "kubernetes-types/core/v1.js";
import { portsKey, type PodEndpoint } from "./addresses.js";

/** Upstream's cap: beyond this many addresses an Endpoints object is truncated and annotated. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
export const OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";

function address(e: PodEndpoint): EndpointAddress {
  const a: EndpointAddress = { ip: e.ip };
  if (e.hostname) a.hostname = e.hostname;
  if (e.nodeName) a.nodeName = e.nodeName;
  a.targetRef = { kind: "Pod", namespace: e.pod.metadata!.namespace, name: e.pod.metadata!.name, uid: e.pod.metadata!.uid };
  return a;
}

const byIp = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);

/**
 * An Endpoints object's subsets as upstream's endpoints controller packs them: one subset per set of
 * ports, ready pods in `addresses`, the others in `notReadyAddresses`, sorted by IP; at most 1,000
 * addresses (ready ones kept first). Returns whether it had to truncate.
 */
export function endpointSubsets(endpoints: readonly PodEndpoint[]): { subsets: EndpointSubset[]; truncated: boolean } {
  const groups = new Map<string, EndpointSubset>();
  for (const e of endpoints) {
    const key = portsKey(e.ports);
    let subset = groups.get(key);
    if (!subset) {
      subset = e.ports.length > 0 ? { ports: e.ports.map((p) => ({ ...p })) } : {};
      groups.set(key, subset);
    }
    const list = e.ready ? (subset.addresses ??= []) : (subset.notReadyAddresses ??= []);
    list.push(address(e));
  }
  const subsets = [...groups.values()];
  for (const s of subsets) {
    s.addresses?.sort(byIp);
    s.notReadyAddresses?.sort(byIp);
  }
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= MAX_ENDPOINTS_ADDRESSES) return { subsets, truncated: false };
  let room = MAX_ENDPOINTS_ADDRESSES;
  for (const kind of ["addresses", "notReadyAddresses"] as const) {
    for (const s of subsets) {
      const list = s[kind];
      if (!list) continue;
      list.splice(room);
      room -= list.length;
      if (list.length === 0) delete s[kind];
    }
  }
  return { subsets: subsets.filter((s) => s.addresses || s.notReadyAddresses), truncated: true };
}
