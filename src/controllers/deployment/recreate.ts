import type { ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { activeReplicaSets, actualReplicaCount, desiredReplicas } from "./plan.js";
import { deploymentComplete } from "./status.js";
import type { Rollout } from "./rollout.js";

/**
 * Recreate (upstream's rolloutRecreate): scale every old ReplicaSet to 0, wait until not one old pod is
 * left — not even a terminating one — and only then create the new ReplicaSet at full size, so old and
 * new pods never run side by side.
 */
export async function rolloutRecreate(r: Rollout): Promise<void> {
  let { newRS, oldRSs, allRSs } = await r.replicaSets(false);

  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) scaledDown = (await r.scale(rs, 0)).scaled || scaledDown;
  if (scaledDown) return r.syncRolloutStatus(allRSs, newRS);

  if (oldPodsRunning(newRS, oldRSs, r.podsByReplicaSet())) return r.syncRolloutStatus(allRSs, newRS);

  if (!newRS) ({ newRS, oldRSs, allRSs } = await r.replicaSets(true));
  if (newRS) await r.scale(newRS, desiredReplicas(r.d));
  if (deploymentComplete(r.d, r.d.status ?? {})) await r.cleanup(oldRSs);
  await r.syncRolloutStatus(allRSs, newRS);
}

/** Any old pod still there that has not finished (Succeeded/Failed pods don't count). */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByReplicaSet: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed")) return true;
  }
  return false;
}
