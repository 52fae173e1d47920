import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import { RestClient } from "../client/rest.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { runLeaderElected, type LeaderElectConfig } from "./leader-elect.js";
import { componentLog } from "./logger.js";

export interface SchedulerCommand {
  kubeconfig: string;
  /** --server: the API servers to use instead of the kubeconfig's (the next one when one can't be reached). */
  servers?: string[];
  /** --leader-elect and its timings: take kube-system/kube-scheduler first, exit when it is lost. */
  leaderElection: LeaderElectConfig;
}

/** `tug scheduler`: the scheduler against any API server, in the foreground, optionally behind leader election. */
export async function scheduler(opts: SchedulerCommand, logger: Logger): Promise<void> {
  const log = componentLog(logger, "scheduler");
  const client = RestClient.fromKubeconfig(opts.kubeconfig, { userAgent: "kube-scheduler/v1.32.0 (tugboat)", servers: opts.servers });
  log({ level: "info", msg: "Scheduler is up", leaderElect: opts.leaderElection.leaderElect });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const shutdown = () => {
    stop.abort();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const lead = (signal: AbortSignal) => void new Scheduler(client, { log }).run(signal).catch((err: unknown) => {
    log({ level: "error", msg: "The scheduler stopped", err: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  });
  await runLeaderElected(client, opts.leaderElection, lead, { signal: stop.signal, log });
  if (opts.leaderElection.leaderElect && stop.signal.aborted) process.exit(0);
}
