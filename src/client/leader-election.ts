import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { isNotFound } from "../api/errors.js";
import { formatMicroTime } from "../api/meta.js";
import type { KubeObject } from "../api/types.js";
import { jittered } from "./backoff.js";
import { realClock, sleep, type Clock } from "./clock.js";
import { resourcePath, type RestClient } from "./rest.js";
import { LEASES } from "./resources.js";

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection package:
 *
 * - Acquire: every retry period (jittered by up to 1.2×, as client-go's JitterUntil) the candidate reads
 *   the Lease; it takes it when there is none, when it has no holder, or when the record it last saw has
 *   not changed for the Lease's leaseDurationSeconds, measured on the candidate's own clock from when it
 *   first saw that record (never by comparing clocks with the holder). Taking it over bumps
 *   leaseTransitions and sets acquireTime; optimistic concurrency (resourceVersion) decides races.
 * - Renew: the leader renews every retry period. A renewal that fails (an error, a conflict, a request
 *   that hangs) is tried again every retry period until the renew deadline has passed since the round
 *   began; only then is leadership lost. Every failure is logged.
 * - Lost: `lead`'s signal aborts at once and the election ends with "lost" — it does not campaign again,
 *   as upstream's components exit then (tug controller-manager and tug scheduler do: see cmd/).
 * - Stopped (`signal` aborted): `lead`'s signal aborts; with `releaseOnCancel` the Lease is handed back
 *   (no holder, duration 1 s) so a successor need not wait out the lease.
 *
 * Times are MicroTime ("2026-01-01T00:00:00.000000Z"); the holder identity is upstream's
 * `<hostname>_<uuid>` ({@link leaderIdentity}).
 */
export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease holds without renewal (--leader-elect-lease-duration, 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before it gives up (--leader-elect-renew-deadline, 10 s). */
  renewDeadlineMs?: number;
  /** Between tries, acquiring or renewing (--leader-elect-retry-period, 2 s). */
  retryPeriodMs?: number;
  /** Hand the lease back when `signal` stops the election (client-go's ReleaseOnCancel). */
  releaseOnCancel?: boolean;
  clock?: Clock;
  random?: () => number;
  log?: (entry: Record<string, unknown>) => void;
}

/** Upstream's defaults (component-base's LeaderElectionConfiguration). */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

/** client-go's JitterFactor: each acquire attempt waits a retry period plus up to 1.2 of it. */
const JITTER_FACTOR = 1.2;

/** What NewLeaderElector refuses, in its words; undefined when the timings are usable. */
export function leaderElectionTimingError(t: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }): string | undefined {
  if (t.leaseDurationMs <= t.renewDeadlineMs) return "leaseDuration must be greater than renewDeadline";
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) return "renewDeadline must be greater than retryPeriod*JitterFactor";
  if (t.leaseDurationMs < 1) return "leaseDuration must be greater than zero";
  if (t.renewDeadlineMs < 1) return "renewDeadline must be greater than zero";
  if (t.retryPeriodMs < 1) return "retryPeriod must be greater than zero";
  return undefined;
}

/** A holder identity as kube-controller-manager and kube-scheduler make it: `<hostname>_<uuid>`. */
export function leaderIdentity(hostname: string, uuid: string = randomUUID()): string {
  return `${hostname}_${uuid}`;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Campaigns for the Lease and runs `lead` while holding it; throws a RangeError at once for timings
 * upstream refuses ({@link leaderElectionTimingError}). Resolves "lost" when a renewal missed its
 * deadline (the caller should stop acting: `lead`'s signal has already aborted), "stopped" when `signal` aborted.
 */
export function runLeaderElection(client: RestClient, opts: LeaderElectionOptions, lead: (signal: AbortSignal) => void, signal: AbortSignal): Promise<"lost" | "stopped"> {
  return new LeaderElector(client, opts).run(lead, signal);
}

class LeaderElector {
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly lease: string;
  /** The record as last read or written, and when (on our clock) it was first seen so. */
  private observed: { record: string; at: number; holder?: string; lease?: KubeObject } = { record: "", at: 0 };

  constructor(private readonly client: RestClient, private readonly opts: LeaderElectionOptions) {
    this.clock = opts.clock ?? realClock;
    this.leaseDurationMs = opts.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    this.retryPeriodMs = opts.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
    const invalid = leaderElectionTimingError({ leaseDurationMs: this.leaseDurationMs, renewDeadlineMs: this.renewDeadlineMs, retryPeriodMs: this.retryPeriodMs });
    if (invalid) throw new RangeError(invalid);
    this.lease = `${opts.namespace}/${opts.name}`;
  }

  async run(lead: (signal: AbortSignal) => void, signal: AbortSignal): Promise<"lost" | "stopped"> {
    this.log("info", "Attempting to acquire leader lease");
    while (!(await this.tryAcquireOrRenew(signal))) {
      if (signal.aborted) return "stopped";
      await sleep(this.clock, jittered(this.retryPeriodMs, JITTER_FACTOR, this.opts.random), signal);
      if (signal.aborted) return "stopped";
    }
    this.log("info", "Successfully acquired lease");
    const leading = new AbortController();
    setMaxListeners(0, leading.signal); // everything the leader runs listens on it
    lead(leading.signal);
    while (!signal.aborted) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (!(await this.renew(signal))) {
        if (signal.aborted) break;
        leading.abort();
        this.log("error", "Failed to renew lease: timed out waiting for the condition", { renewDeadlineMs: this.renewDeadlineMs });
        return "lost";
      }
    }
    leading.abort();
    if (this.opts.releaseOnCancel) await this.release();
    return "stopped";
  }

  /** One renewal round: tries every retry period until one succeeds or the renew deadline has passed. */
  private async renew(signal: AbortSignal): Promise<boolean> {
    const round = new AbortController();
    const cancel = this.clock.setTimer(this.renewDeadlineMs, () => round.abort());
    const stop = () => round.abort();
    signal.addEventListener("abort", stop, { once: true });
    try {
      while (!round.signal.aborted) {
        if (await this.tryAcquireOrRenew(round.signal)) return true;
        await sleep(this.clock, this.retryPeriodMs, round.signal);
      }
      return false;
    } finally {
      cancel();
      signal.removeEventListener("abort", stop);
    }
  }

  /** One attempt (client-go's tryAcquireOrRenew); `signal` cuts a request that hangs. Never throws. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const nowTime = formatMicroTime(now);
    const mine: LeaseSpec = { holderIdentity: this.opts.identity, leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)), acquireTime: nowTime, renewTime: nowTime, leaseTransitions: 0 };
    const path = resourcePath(LEASES, this.opts.namespace, this.opts.name);
    let lease: KubeObject;
    try {
      lease = await this.client.request<KubeObject>("GET", path, { signal });
    } catch (err) {
      if (!isNotFound(err)) return this.failed("Error retrieving resource lock", err, signal);
      try {
        const created = await this.client.request<KubeObject>("POST", resourcePath(LEASES, this.opts.namespace), {
          signal, body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: mine },
        });
        this.observe(created, now);
        return true;
      } catch (createErr) {
        return this.failed("Error initially creating leader election record", createErr, signal);
      }
    }
    const current = this.observe(lease, now);
    const held = current.holderIdentity && current.holderIdentity !== this.opts.identity;
    if (held && this.observed.at + (current.leaseDurationSeconds ?? 0) * 1000 > now) return false;
    const next: LeaseSpec = current.holderIdentity === this.opts.identity
      ? { ...mine, acquireTime: current.acquireTime ?? nowTime, leaseTransitions: current.leaseTransitions ?? 0 }
      : { ...mine, leaseTransitions: (current.leaseTransitions ?? 0) + 1 };
    try {
      const updated = await this.client.request<KubeObject>("PUT", path, { signal, body: { ...lease, spec: next } });
      this.observe(updated, now);
      return true;
    } catch (err) {
      return this.failed("Failed to update lock", err, signal);
    }
  }

  /** Records the Lease read or written; a record that changed restarts the expiry count from `now`. */
  private observe(lease: KubeObject, now: number): LeaseSpec {
    const spec = (lease.spec ?? {}) as LeaseSpec;
    const record = JSON.stringify(spec);
    if (record !== this.observed.record) {
      if (spec.holderIdentity !== this.observed.holder && spec.holderIdentity) this.log("info", "New leader elected", { holder: spec.holderIdentity });
      this.observed = { record, at: now, holder: spec.holderIdentity };
    }
    this.observed.lease = lease;
    return spec;
  }

  /** Hands the lease back (holder cleared, 1 s), as ReleaseOnCancel: only when we still hold it. */
  private async release(): Promise<void> {
    const lease = this.observed.lease;
    const spec = (lease?.spec ?? {}) as LeaseSpec;
    if (!lease || spec.holderIdentity !== this.opts.identity) return;
    const now = formatMicroTime(this.clock.now());
    try {
      await this.client.update(LEASES, { ...lease, spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: spec.leaseTransitions } });
      this.log("info", "Released the lease");
    } catch (err) {
      this.log("error", "Failed to release lock", { err: String(err) });
    }
  }

  private failed(msg: string, err: unknown, signal: AbortSignal): false {
    this.log("error", msg, { err: signal.aborted ? "the renew deadline passed while the request was in flight" : String(err) });
    return false;
  }

  private log(level: string, msg: string, extra: Record<string, unknown> = {}): void {
    this.opts.log?.({ level, msg, lease: this.lease, identity: this.opts.identity, ...extra });
  }
}
