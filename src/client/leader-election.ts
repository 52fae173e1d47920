import { setMaxListeners } from "node:events";
import { isConflict, isNotFound } from "../api/errors.js";
import { formatMicroTime } from "../api/meta.js";
import type { KubeObject } from "../api/types.js";
import { realClock, sleep, type Clock } from "./clock.js";
import type { RestClient } from "./rest.js";
import { LEASES } from "./resources.js";


export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease holds without renewal (upstream default 15 s). */
  leaseDurationMs?: number;
  /** How often the holder renews and the others try (upstream default 2 s). */
  retryPeriodMs?: number;
  clock?: Clock;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's: the holder renews every retry period;
 * others take over once renewTime + leaseDuration has passed. Optimistic concurrency (resourceVersion)
 * decides races. `lead` runs while leading and is aborted when the lease is lost or `signal` aborts.
 */
export async function runLeaderElection(client: RestClient, opts: LeaderElectionOptions, lead: (signal: AbortSignal) => void, signal: AbortSignal): Promise<void> {
  const clock = opts.clock ?? realClock;
  const duration = opts.leaseDurationMs ?? 15_000;
  const retry = opts.retryPeriodMs ?? 2_000;
  let leading: AbortController | undefined;
  let observedAt = 0;
  let observedRenew = "";

  const attempt = async (): Promise<boolean> => {
    const now = clock.now();
    const spec: LeaseSpec = { holderIdentity: opts.identity, leaseDurationSeconds: Math.ceil(duration / 1000), renewTime: formatMicroTime(now) };
    let lease: KubeObject;
    try {
      lease = await client.get(LEASES, opts.namespace, opts.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await client.create(LEASES, opts.namespace, {
        apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: opts.name, namespace: opts.namespace },
        spec: { ...spec, acquireTime: spec.renewTime, leaseTransitions: 0 },
      });
      return true;
    }
    const current = (lease.spec ?? {}) as LeaseSpec;
    if (current.renewTime !== observedRenew) {
      observedRenew = current.renewTime ?? "";
      observedAt = now;
    }
    const mine = current.holderIdentity === opts.identity;
    const expired = !current.holderIdentity || observedAt + (current.leaseDurationSeconds ?? 15) * 1000 <= now;
    if (!mine && !expired) return false;
    const next: LeaseSpec = mine
      ? { ...current, ...spec }
      : { ...spec, acquireTime: spec.renewTime, leaseTransitions: (current.leaseTransitions ?? 0) + 1 };
    await client.update(LEASES, { ...lease, spec: next });
    return true;
  };

  while (!signal.aborted) {
    let held = false;
    try {
      held = await attempt();
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) held = false;
    }
    if (held && !leading) {
      leading = new AbortController();
      setMaxListeners(0, leading.signal); // everything the leader runs listens on it
      lead(leading.signal);
    } else if (!held && leading) {
      leading.abort();
      leading = undefined;
    }
    await sleep(clock, retry, signal);
  }
  leading?.abort();
}
