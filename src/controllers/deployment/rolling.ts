import { oldReplicaSetsScaleDown, activeReplicaSets, newReplicaSetTarget } from "./plan.js";
import { deploymentComplete } from "./status.js";
import type { Rollout } from "./rollout.js";

/**
 * RollingUpdate (upstream's rolloutRolling): make sure the new ReplicaSet exists, then take one step —
 * grow the new ReplicaSet within maxSurge, or else shrink old ones within maxUnavailable — and report.
 * Each write changes pods; the next sync (after the ReplicaSets report back) takes the next step.
 * Once complete, ReplicaSets beyond revisionHistoryLimit are pruned.
 */
export async function rolloutRolling(r: Rollout): Promise<void> {
  const { newRS, oldRSs, allRSs } = await r.replicaSets(true);

  if (newRS) {
    const target = newReplicaSetTarget(r.d, allRSs, newRS);
    const { scaled } = await r.scale(newRS, target);
    if (scaled) return r.syncRolloutStatus(allRSs, newRS);
  }

  const steps = oldReplicaSetsScaleDown(r.d, allRSs, activeReplicaSets(oldRSs), newRS);
  if (await r.apply(steps, oldRSs)) return r.syncRolloutStatus(allRSs, newRS);

  if (deploymentComplete(r.d, r.d.status ?? {})) await r.cleanup(oldRSs);
  await r.syncRolloutStatus(allRSs, newRS);
}
