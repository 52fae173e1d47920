import { setMaxListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RestClient } from "../client/rest.js";
import { ControllerManager } from "../controllers/manager.js";
import type { ControllerMetrics } from "../controllers/kit/metrics.js";
import { bindPort } from "./ports.js";
import type { Logger } from "pino";
import { componentLog } from "./logger.js";
import { runLeaderElected, type LeaderElectConfig } from "./leader-elect.js";

/** The controller manager's HTTP endpoint: bound first, serving the controllers' metrics once they exist. */
export interface MetricsServer {
  server: Server;
  port: number;
  /** Starts answering /metrics and /healthz from `metrics` (until then both answer 503). */
  serve(metrics: ControllerMetrics): void;
}

/** Listens for /metrics (Prometheus text) and /healthz over HTTP; resolves once the port is bound. */
export function listenMetrics(port: number, host: string): Promise<MetricsServer> {
  let metrics: ControllerMetrics | undefined;
  const server = createServer((req, res) => {
    if (!metrics) return void res.writeHead(503, { "Content-Type": "text/plain" }).end("the controllers are starting");
    if (req.url === "/healthz") return void res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    if (req.url !== "/metrics") return void res.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
    metrics.render().then(
      (text) => res.writeHead(200, { "Content-Type": metrics!.contentType }).end(text),
      (err: unknown) => res.writeHead(503).end(String(err)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({ server, port: (server.address() as AddressInfo).port, serve: (m) => void (metrics = m) });
    });
  });
}

export interface ControllerManagerCommand {
  kubeconfig: string;
  /** --server: the API servers to use instead of the kubeconfig's (the next one when one can't be reached). */
  servers?: string[];
  port: number;
  /** --leader-elect and its timings: take kube-system/kube-controller-manager first, exit when it is lost. */
  leaderElection: LeaderElectConfig;
  nodeMonitorGracePeriodMs: number;
  concurrentReplicaSetSyncs: number;
  concurrentRcSyncs: number;
  concurrentGcSyncs: number;
  /** --allocate-node-cidrs: the node IPAM controller's range. */
  nodeIpam?: { clusterCIDR: string; nodeCIDRMaskSize: number; serviceCIDR?: string };
  /** --service-account-private-key-file's PEM: the tokens controller runs. */
  serviceAccountPrivateKey?: string;
  /** --cluster-signing-cert-file / --cluster-signing-key-file, read: the csrsigning controller signs with them. */
  clusterSigning?: { cert: string; key: string };
}


/** `tug controller-manager`: the controllers against any API server, optionally behind leader election. */
export async function controllerManager(opts: ControllerManagerCommand, logger: Logger): Promise<void> {
  const log = componentLog(logger, "controller-manager");
  const { server, port, serve } = await bindPort({ port: opts.port, host: "0.0.0.0", what: "the controller manager's metrics", flag: "--port" }, () => listenMetrics(opts.port, "0.0.0.0"));
  const client = RestClient.fromKubeconfig(opts.kubeconfig, { servers: opts.servers });
  const manager = new ControllerManager(client, { ...opts, log });
  serve(manager.metrics);
  log({ level: "info", msg: "Controller manager is up", metrics: `http://0.0.0.0:${port}/metrics`, leaderElect: opts.leaderElection.leaderElect });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const shutdown = () => {
    stop.abort();
    server.close();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const lead = (signal: AbortSignal) => void manager.run(signal).catch((err: unknown) => {
    log({ level: "error", msg: "The controllers stopped", err: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  });
  await runLeaderElected(client, opts.leaderElection, lead, { signal: stop.signal, log });
  // Stopped by a signal: the lease is handed back by now (release on cancel), so a standby takes over at once.
  if (opts.leaderElection.leaderElect && stop.signal.aborted) process.exit(0);
}
