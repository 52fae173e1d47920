import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import { scaledValue } from "../../api/intstr.js";
import { maxReplicasOf } from "./annotations.js";

/**
 * The arithmetic of a Deployment rollout, pure and table-tested (plan.test.ts): how far the new
 * ReplicaSet may grow, how far old ones may shrink, and how a resize is shared between ReplicaSets.
 * Functions take ReplicaSets as the cache has them and return target sizes; nothing here writes.
 */

/** One resize: ReplicaSet `name` to `replicas`. */
export interface ScaleStep {
  name: string;
  replicas: number;
  /** Set by proportional scaling, which names one direction for every step of the resize. */
  operation?: "up" | "down";
  /** Proportional scaling rewrites the size annotations even on a ReplicaSet whose size stays. */
  refreshAnnotations?: boolean;
}

export const desiredReplicas = (d: Deployment): number => d.spec?.replicas ?? 1;
export const specReplicas = (rs: ReplicaSet): number => rs.spec?.replicas ?? 1;

const sum = (rss: ReplicaSet[], f: (rs: ReplicaSet) => number) => rss.reduce((n, rs) => n + f(rs), 0);
/** Pods the ReplicaSets want (spec). */
export const replicaCount = (rss: ReplicaSet[]) => sum(rss, specReplicas);
/** Pods the ReplicaSets have (status). */
export const actualReplicaCount = (rss: ReplicaSet[]) => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const availableReplicaCount = (rss: ReplicaSet[]) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);
export const readyReplicaCount = (rss: ReplicaSet[]) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);

/** ReplicaSets that want pods. */
export const activeReplicaSets = (rss: ReplicaSet[]) => rss.filter((rs) => specReplicas(rs) > 0);

/** Oldest first; ties broken by name (upstream's ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = a.metadata?.creationTimestamp ?? "", tb = b.metadata?.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata?.name ?? "", nb = b.metadata?.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export const isRollingUpdate = (d: Deployment) => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

/**
 * maxSurge and maxUnavailable as pod counts for `desired` replicas: percentages of surge round up, of
 * unavailability down, so 25%/25% of 10 → 3 and 2. Both 0 would stall the rollout (surge 0 with 10%
 * of 5 → 0/0), so unavailability becomes 1.
 */
export function resolveFenceposts(d: Deployment, desired = desiredReplicas(d)): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge, desired, true) ?? 0;
  let unavailable = scaledValue(ru?.maxUnavailable, desired, false) ?? 0;
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

/** Pods that may be unavailable during the rollout, never more than the deployment wants. */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, desired);
}

/**
 * The size the new ReplicaSet may grow to now. Rolling: the total may reach desired + maxSurge, and the
 * new ReplicaSet never passes desired. Example: 10 desired, surge 3, old at 10, new at 0 → new may be 3;
 * then old at 8, new at 3 → 13 - 11 = 2 more → 5. Recreate: desired at once (old ones are gone by then).
 */
export function newReplicaSetTarget(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  const current = specReplicas(newRS);
  if (!isRollingUpdate(d)) return desired;
  if (current >= desired) return desired;
  const total = replicaCount(allRSs);
  const maxTotal = desired + maxSurge(d);
  if (total >= maxTotal) return current;
  return current + Math.min(maxTotal - total, desired - current);
}

/**
 * How old ReplicaSets shrink in one rolling step, in two passes as upstream's reconcileOldReplicaSets.
 *
 * Budget: total − (desired − maxUnavailable) − pods the new ReplicaSet still waits on. Example: desired
 * 10, maxUnavailable 2, old 10 (8 available), new 3 (0 available) → 13 − 8 − 3 = 2.
 * Pass 1 spends the budget on old pods that aren't available anyway (oldest ReplicaSet first): the 2
 * unavailable old pods go, costing no availability. Pass 2 removes available old pods only while the
 * available total stays ≥ desired − maxUnavailable: 8 available, min 8 → nothing more this step.
 */
export function oldReplicaSetsScaleDown(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): ScaleStep[] {
  if (replicaCount(oldRSs) === 0) return [];
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const budget = replicaCount(allRSs) - minAvailable - newUnavailable;
  if (budget <= 0) return [];

  const steps: ScaleStep[] = [];
  const sizes = new Map(oldRSs.map((rs) => [rs.metadata?.name ?? "", specReplicas(rs)]));
  const sorted = [...oldRSs].sort(byCreation);
  let cleaned = 0;
  for (const rs of sorted) {
    const name = rs.metadata?.name ?? "";
    const size = sizes.get(name)!;
    if (size === 0) continue;
    if (cleaned >= budget) break;
    const unhealthy = size - (rs.status?.availableReplicas ?? 0);
    if (unhealthy <= 0) continue;
    const down = Math.min(budget - cleaned, unhealthy);
    sizes.set(name, size - down);
    steps.push({ name, replicas: size - down });
    cleaned += down;
  }

  const available = availableReplicaCount(newRS ? [...oldRSs, newRS] : oldRSs);
  if (available <= minAvailable) return steps;
  const toRemove = available - minAvailable;
  let removed = 0;
  for (const rs of sorted) {
    if (removed >= toRemove) break;
    const name = rs.metadata?.name ?? "";
    const size = sizes.get(name)!;
    if (size === 0) continue;
    const down = Math.min(size, toRemove - removed);
    sizes.set(name, size - down);
    steps.push({ name, replicas: size - down });
    removed += down;
  }
  return steps;
}

/** True when the new ReplicaSet alone runs the deployment: sized, annotated and fully available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined, desiredAnnotation: number | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicas(d);
  return desiredAnnotation === desired && specReplicas(rs) === desired && (rs.status?.availableReplicas ?? 0) === desired;
}

/**
 * The share of a resize that falls to one ReplicaSet: its size scaled by (desired + surge) / the total it
 * was sized for (its max-replicas annotation), minus its size. Example: 10 → 15 with surge 3 during a
 * rollout, old at 8 and new at 5 (annotated for 13): old → round(8 × 18/13) = 11 (+3), new → round(5 ×
 * 18/13) = 7 (+2). Scaling to 0 takes everything.
 */
function fraction(rs: ReplicaSet, d: Deployment, statusReplicas: number): number {
  const size = specReplicas(rs);
  const desired = desiredReplicas(d);
  if (desired === 0) return -size;
  const target = desired + maxSurge(d);
  const annotated = maxReplicasOf(rs) ?? statusReplicas;
  if (annotated <= 0) return 0;
  return roundHalfAway((size * target) / annotated) - size;
}

const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/**
 * Proportional scaling (upstream's scale for rolling deployments with more than one active ReplicaSet):
 * the change from the current total to desired + surge is split in proportion to each ReplicaSet's size,
 * largest first (newest first among equals when growing, oldest first when shrinking); what rounding
 * leaves over goes to the first ReplicaSet.
 */
export function proportionalScale(d: Deployment, activeRSs: ReplicaSet[]): ScaleStep[] {
  const desired = desiredReplicas(d);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(activeRSs);
  const statusReplicas = d.status?.replicas ?? 0;
  const operation = toAdd > 0 ? "up" : toAdd < 0 ? "down" : undefined;
  const sorted = [...activeRSs].sort((a, b) => {
    if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
    return toAdd > 0 ? byCreation(b, a) : byCreation(a, b);
  });
  let added = 0;
  const sizes = sorted.map((rs) => {
    let share = 0;
    if (toAdd !== 0 && specReplicas(rs) > 0 && toAdd !== added) {
      const f = fraction(rs, d, statusReplicas);
      const left = toAdd - added;
      share = toAdd > 0 ? Math.min(f, left) : Math.max(f, left);
    }
    added += share;
    return specReplicas(rs) + share;
  });
  if (sorted.length > 0 && toAdd !== 0) sizes[0] = Math.max(0, sizes[0]! + toAdd - added);
  return sorted.map((rs, i) => ({ name: rs.metadata?.name ?? "", replicas: sizes[i]!, operation, refreshAnnotations: true }));
}

/**
 * Which ReplicaSets the paused/scaling path resizes (upstream's scale): a lone active ReplicaSet (or,
 * with none active, the newest) takes the whole size; a saturated new ReplicaSet sends the old ones to 0;
 * otherwise a rolling deployment shares the change proportionally. Recreate with several active waits.
 */
export function scalePlan(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], newDesiredAnnotation: number | undefined): ScaleStep[] {
  const desired = desiredReplicas(d);
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const all = newRS ? [...newestFirst, newRS] : newestFirst;
  const active = activeReplicaSets(all);
  const resize = (rs: ReplicaSet, n: number): ScaleStep[] => (specReplicas(rs) === n ? [] : [{ name: rs.metadata?.name ?? "", replicas: n }]);
  if (newRS || oldRSs.length > 0) {
    if (active.length === 0) return resize(newRS ?? newestFirst[0]!, desired);
    if (active.length === 1) return resize(active[0]!, desired);
  }
  if (isSaturated(d, newRS, newDesiredAnnotation)) return activeReplicaSets(oldRSs).flatMap((rs) => resize(rs, 0));
  if (isRollingUpdate(d)) return proportionalScale(d, active);
  return [];
}
