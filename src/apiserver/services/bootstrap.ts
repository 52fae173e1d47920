import { networkInterfaces } from "node:os";
import { SERVICE_NAME_LABEL } from "../../api/discovery.js";
import { isNotFound } from "../../api/errors.js";
import { Selector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import type { RestStore } from "../registry/rest.js";
import type { ServiceAllocations } from "./allocations.js";

/**
 * The address the API server tells pods to reach it at: the listening address, or the host's first IPv4
 * when that is a wildcard or loopback — never a node agent's pod bridge (`tug…`), which goes away with
 * its agent (another cluster's, or a `tug node` on this host).
 */
export function advertiseAddress(host: string, interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string {
  if (host !== "0.0.0.0" && !host.startsWith("127.") && host !== "localhost") return host;
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (name.startsWith("tug")) continue;
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

export interface BootstrapRests {
  services: RestStore;
  endpoints: RestStore;
  endpointSlices: RestStore;
}

/** Creates or brings up to date one object the API server owns. */
async function upsert(rest: RestStore, obj: KubeObject, same: (current: KubeObject) => boolean): Promise<void> {
  const { namespace, name } = obj.metadata;
  try {
    const current = await rest.get(namespace, name!);
    if (same(current)) return;
    await rest.guaranteedUpdate(namespace, name!, {}, (cur) => ({ ...obj, metadata: { ...cur.metadata, labels: obj.metadata.labels } }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await rest.create(namespace, obj);
  }
}

/**
 * What kube-apiserver does for services at start-up: repairs the allocation ranges against the stored
 * Services, and publishes itself as `default/kubernetes` (cluster IP 10.96.0.1, port 443) with the
 * Endpoints and EndpointSlice that point at its own address.
 */
export async function bootstrapServices(rests: BootstrapRests, allocations: ServiceAllocations, advertise: { ip: string; port: number }): Promise<string[]> {
  const all = await rests.services.list(undefined, { labels: Selector.everything(), fields: [], limit: 0 });
  const conflicts = await allocations.repair(all.items);
  const port = { name: "https", port: advertise.port, protocol: "TCP" };
  const labels = { component: "apiserver", provider: "kubernetes" };
  // Upstream gives the `kubernetes` Service the first address of the range.
  const clusterIP = allocations.ips.range.format(allocations.ips.range.first);
  await upsert(rests.services, {
    apiVersion: "v1", kind: "Service", metadata: { name: "kubernetes", namespace: "default", labels },
    spec: { type: "ClusterIP", clusterIP, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: advertise.port }], sessionAffinity: "None" },
  }, (svc) => (svc.spec as { ports?: Array<{ targetPort?: unknown }> }).ports?.[0]?.targetPort === advertise.port);
  await upsert(rests.endpoints, {
    apiVersion: "v1", kind: "Endpoints", metadata: { name: "kubernetes", namespace: "default", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets: [{ addresses: [{ ip: advertise.ip }], ports: [port] }],
  }, (ep) => JSON.stringify(ep.subsets) === JSON.stringify([{ addresses: [{ ip: advertise.ip }], ports: [port] }]));
  const endpoints = [{ addresses: [advertise.ip], conditions: { ready: true } }];
  await upsert(rests.endpointSlices, {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "kubernetes", namespace: "default", labels: { [SERVICE_NAME_LABEL]: "kubernetes" } },
    addressType: "IPv4", endpoints, ports: [port],
  }, (s) => JSON.stringify(s.endpoints) === JSON.stringify(endpoints) && JSON.stringify(s.ports) === JSON.stringify([port]));
  return conflicts;
}
