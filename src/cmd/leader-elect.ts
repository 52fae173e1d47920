import { hostname } from "node:os";
import { LEADER_ELECTION_DEFAULTS, leaderElectionTimingError, leaderIdentity, runLeaderElection } from "../client/leader-election.js";
import type { RestClient } from "../client/rest.js";
import type { Log } from "./logger.js";

/** The leader election flags of kube-controller-manager and kube-scheduler (component-base's). */
export const LEADER_ELECT_FLAGS = [
  "leader-elect", "leader-elect-lease-duration", "leader-elect-renew-deadline", "leader-elect-retry-period",
  "leader-elect-resource-lock", "leader-elect-resource-name", "leader-elect-resource-namespace",
] as const;

export function leaderElectUsage(resourceName: string): string {
  return `          --leader-elect B   take the kube-system/${resourceName} Lease before acting, and exit when it is lost (default true)
          --leader-elect-lease-duration D  how long a candidate waits on a Lease that is not renewed (default 15s)
          --leader-elect-renew-deadline D  how long the leader retries a renewal before it stops leading (default 10s)
          --leader-elect-retry-period D    between tries to acquire or renew (default 2s)
          --leader-elect-resource-name NAME --leader-elect-resource-namespace NS  (${resourceName}, kube-system)
`;
}

export interface LeaderElectConfig {
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resourceName: string;
  resourceNamespace: string;
}

/**
 * The flags' values checked as upstream checks them; `parse` reads a boolean or a duration (calling `fail`
 * on a bad one). Returns the config or the usage error to report.
 */
export function leaderElectConfig(
  values: Record<string, string | undefined>, resourceName: string,
  parse: { boolean(value: string | undefined, flag: string, fallback: boolean): boolean; duration(value: string | undefined, flag: string, fallback: string): number },
): LeaderElectConfig | string {
  const lock = values["leader-elect-resource-lock"];
  if (lock !== undefined && lock !== "leases") return `--leader-elect-resource-lock: only "leases" is supported (as upstream since 1.24), got "${lock}"`;
  const config: LeaderElectConfig = {
    leaderElect: parse.boolean(values["leader-elect"], "leader-elect", true),
    leaseDurationMs: parse.duration(values["leader-elect-lease-duration"], "leader-elect-lease-duration", `${LEADER_ELECTION_DEFAULTS.leaseDurationMs / 1000}s`),
    renewDeadlineMs: parse.duration(values["leader-elect-renew-deadline"], "leader-elect-renew-deadline", `${LEADER_ELECTION_DEFAULTS.renewDeadlineMs / 1000}s`),
    retryPeriodMs: parse.duration(values["leader-elect-retry-period"], "leader-elect-retry-period", `${LEADER_ELECTION_DEFAULTS.retryPeriodMs / 1000}s`),
    resourceName: values["leader-elect-resource-name"] || resourceName,
    resourceNamespace: values["leader-elect-resource-namespace"] || "kube-system",
  };
  const invalid = config.leaderElect ? leaderElectionTimingError(config) : undefined;
  return invalid ? `leader election: ${invalid}` : config;
}

/**
 * Runs `lead` now (--leader-elect=false) or once this process holds the Lease. Leadership lost: `lead`'s
 * signal aborts and the process exits with 1, as kube-controller-manager and kube-scheduler do ("leaderelection
 * lost"), so a supervisor restarts it as a fresh candidate with nothing half-done in memory.
 */
export async function runLeaderElected(
  client: RestClient, config: LeaderElectConfig, lead: (signal: AbortSignal) => void, opts: { signal: AbortSignal; log: Log; exit?: (code: number) => void },
): Promise<void> {
  if (!config.leaderElect) return lead(opts.signal);
  const result = await runLeaderElection(client, {
    namespace: config.resourceNamespace, name: config.resourceName, identity: leaderIdentity(hostname()),
    leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs,
    releaseOnCancel: true, log: opts.log,
  }, lead, opts.signal);
  if (result === "lost") {
    opts.log({ level: "error", msg: "leaderelection lost" });
    (opts.exit ?? process.exit)(1);
  }
}
