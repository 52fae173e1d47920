import { desiredReplicasOf } from "./annotations.js";
import { activeReplicaSets, desiredReplicas, scalePlan } from "./plan.js";
import type { Rollout } from "./rollout.js";

/**
 * True when the deployment was resized since its ReplicaSets were: an active one is annotated with
 * another desired size (upstream's isScalingEvent). A resize is handled before any rollout step.
 */
export async function isScalingEvent(r: Rollout): Promise<boolean> {
  const { allRSs } = await r.replicaSets(false);
  const desired = desiredReplicas(r.d);
  return activeReplicaSets(allRSs).some((rs) => {
    const annotated = desiredReplicasOf(rs);
    return annotated !== undefined && annotated !== desired;
  });
}

/**
 * Paused deployments and resizes (upstream's sync): resize the ReplicaSets without starting a rollout
 * (proportionally when several are active, see plan.ts), prune history while paused, report status.
 */
export async function scaleOnly(r: Rollout): Promise<void> {
  const { newRS, oldRSs, allRSs } = await r.replicaSets(false);
  const steps = scalePlan(r.d, newRS, oldRSs, newRS ? desiredReplicasOf(newRS) : undefined);
  await r.apply(steps, allRSs);
  if (r.d.spec?.paused) await r.cleanup(oldRSs);
  await r.syncStatus(allRSs, newRS);
}
