import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { KubeObject } from "../../api/types.js";
import type { RestClient } from "../../client/rest.js";
import { DEPLOYMENTS, REPLICASETS } from "../../client/resources.js";

/**
 * Everything the Deployment controller writes. The contract: updates send the resourceVersion the
 * controller read, so a write based on a stale cache fails with 409 Conflict and the key is synced again
 * from fresher data (never a blind overwrite); a create of an existing name fails with 409 AlreadyExists,
 * which the caller resolves (it may be its own earlier create); deletes are preconditioned on uid and
 * resourceVersion, so a ReplicaSet that changed meanwhile is kept. Errors are thrown, never swallowed.
 */
export interface DeploymentWrites {
  createReplicaSet(rs: ReplicaSet): Promise<ReplicaSet>;
  getReplicaSet(namespace: string, name: string): Promise<ReplicaSet>;
  updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet>;
  deleteReplicaSet(rs: ReplicaSet): Promise<void>;
  /** Writes status and the annotations (the revision) through the status subresource. */
  updateStatus(d: Deployment): Promise<Deployment>;
}

const asKube = (o: Deployment | ReplicaSet) => o as unknown as KubeObject;

export function restWrites(client: RestClient): DeploymentWrites {
  return {
    createReplicaSet: async (rs) => (await client.create(REPLICASETS, rs.metadata?.namespace, asKube(rs))) as unknown as ReplicaSet,
    getReplicaSet: async (namespace, name) => (await client.get(REPLICASETS, namespace, name)) as unknown as ReplicaSet,
    updateReplicaSet: async (rs) => (await client.update(REPLICASETS, { ...asKube(rs), apiVersion: "apps/v1", kind: "ReplicaSet" })) as unknown as ReplicaSet,
    deleteReplicaSet: async (rs) => {
      await client.delete(REPLICASETS, rs.metadata?.namespace, rs.metadata!.name!, {
        preconditions: { uid: rs.metadata?.uid, resourceVersion: rs.metadata?.resourceVersion },
      });
    },
    updateStatus: async (d) => (await client.update(DEPLOYMENTS, { ...asKube(d), apiVersion: "apps/v1", kind: "Deployment" }, "status")) as unknown as Deployment,
  };
}
