import { isAlreadyExists } from "../api/errors.js";
import { cidrRange } from "../apiserver/services/ranges.js";
import { SERVICES } from "../client/resources.js";
import type { RestClient } from "../client/rest.js";

export const CLUSTER_DOMAIN = "cluster.local";

/** The cluster DNS address for a service range: its tenth address, as kubeadm picks (10.96.0.10). */
export function clusterDnsIP(serviceCIDR: string): string {
  const range = cidrRange(serviceCIDR, "");
  return range.format(range.first + 9);
}

/**
 * The `kube-system/kube-dns` Service, as clusters have it: the well-known address pods resolve through.
 * Each host's service proxy answers on it (a node-local DNS), so it selects no pods.
 */
export async function ensureClusterDnsService(client: RestClient, ip: string): Promise<void> {
  try {
    await client.create(SERVICES, "kube-system", {
      apiVersion: "v1", kind: "Service",
      metadata: { name: "kube-dns", labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "KubeDNS" } },
      spec: {
        clusterIP: ip,
        ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }, { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 }],
      },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** The cluster DNS address a joining node's pods use: the kube-dns Service's cluster IP. */
export async function discoverClusterDnsIP(client: RestClient): Promise<string | undefined> {
  const svc = await client.get(SERVICES, "kube-system", "kube-dns").catch(() => undefined);
  const ip = (svc?.spec as { clusterIP?: string } | undefined)?.clusterIP;
  return ip && ip !== "None" ? ip : undefined;
}
