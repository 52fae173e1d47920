import { networkInterfaces } from "node:os";
import { Selector } from "../../api/labels.js";
import type { RestStore } from "../registry/rest.js";
import type { ServiceAllocations } from "./allocations.js";
import { upsert } from "./endpoint-reconciler.js";

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
}

/**
 * What kube-apiserver does for services at start-up: repairs the allocation ranges against the stored
 * Services, and publishes the `default/kubernetes` Service (cluster IP 10.96.0.1, port 443 to `port`).
 * Its Endpoints and EndpointSlice, naming every live API server, are the lease endpoint reconciler's
 * (endpoint-reconciler.ts).
 */
export async function bootstrapServices(rests: BootstrapRests, allocations: ServiceAllocations, advertise: { port: number }): Promise<string[]> {
  const all = await rests.services.list(undefined, { labels: Selector.everything(), fields: [], limit: 0 });
  const conflicts = await allocations.repair(all.items);
  const labels = { component: "apiserver", provider: "kubernetes" };
  // Upstream gives the `kubernetes` Service the first address of the range.
  const clusterIP = allocations.ips.range.format(allocations.ips.range.first);
  await upsert(rests.services, {
    apiVersion: "v1", kind: "Service", metadata: { name: "kubernetes", namespace: "default", labels },
    spec: { type: "ClusterIP", clusterIP, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: advertise.port }], sessionAffinity: "None" },
  }, (svc) => (svc.spec as { ports?: Array<{ targetPort?: unknown }> }).ports?.[0]?.targetPort === advertise.port);
  return conflicts;
}

/**
 * How long after start-up the members repair found without a Service are freed, if still so: long past
 * any create in flight on another API server (upstream frees a leak after three 3-minute repair passes).
 */
export const ALLOCATION_LEAK_GRACE_MS = 60_000;

/** Frees, once, after `ms`, the leaks the start-up repair noted; returns how to cancel it. */
export function releaseLeakedAllocationsAfter(rests: BootstrapRests, allocations: ServiceAllocations, ms: number, log: (entry: Record<string, unknown>) => void): () => void {
  const timer = setTimeout(() => {
    void (async () => {
      const all = await rests.services.list(undefined, { labels: Selector.everything(), fields: [], limit: 0 });
      const freed = await allocations.releaseLeaked(all.items);
      if (freed > 0) log({ level: "info", msg: "Freed cluster IPs and node ports no Service holds", count: freed });
    })().catch((err: unknown) => log({ level: "error", msg: "Freeing leaked Service allocations failed", err: String(err) }));
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
