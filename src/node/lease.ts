import { isNotFound } from "../api/errors.js";
import { formatMicroTime } from "../api/meta.js";
import type { RestClient } from "../client/rest.js";
import { LEASES } from "../client/resources.js";

export const LEASE_DURATION_SECONDS = 40;

/** Renews the node's Lease in kube-node-lease (the kubelet's heartbeat), creating it the first time. */
export async function renewNodeLease(client: RestClient, node: string, nodeUid: string | undefined, now: number): Promise<void> {
  const renewTime = formatMicroTime(now);
  try {
    await client.patch(LEASES, "kube-node-lease", node, "merge", { spec: { holderIdentity: node, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await client.create(LEASES, "kube-node-lease", {
      apiVersion: "coordination.k8s.io/v1", kind: "Lease",
      metadata: { name: node, namespace: "kube-node-lease", ...(nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node, uid: nodeUid }] } : {}) },
      spec: { holderIdentity: node, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
    });
  }
}
