import { isAlreadyExists } from "../api/errors.js";
import { SERVICES } from "../client/resources.js";
import type { RestClient } from "../client/rest.js";

/** The cluster DNS every node agent gives its pods (kubeadm's defaults: the tenth address of the service range). */
export const CLUSTER_DNS = { ip: "10.96.0.10", domain: "cluster.local" };

/**
 * The `kube-system/kube-dns` Service, as clusters have it: the well-known address pods resolve through.
 * Each host's service proxy answers on it (a node-local DNS), so it selects no pods.
 */
export async function ensureClusterDnsService(client: RestClient): Promise<void> {
  try {
    await client.create(SERVICES, "kube-system", {
      apiVersion: "v1", kind: "Service",
      metadata: { name: "kube-dns", labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "KubeDNS" } },
      spec: {
        clusterIP: CLUSTER_DNS.ip,
        ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }, { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 }],
      },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}
