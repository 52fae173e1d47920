import { readFileSync } from "node:fs";
import { RestClient } from "../client/rest.js";
import type { SharedInformers } from "../client/shared-informers.js";
import { listenMetrics } from "./controller-manager.js";
import type { StoreChoice } from "./store.js";
import { bindPort } from "./ports.js";
import type { Logger } from "pino";
import { startComponents, tugNodeNames, type ComponentIdentities, type Log, type LogFor, type NodeIpamFlags } from "./components.js";
import { COMPONENT_USERS, nodeTls, nodeUser } from "./identities.js";
import { startApiServer, type StartedApiServer } from "./apiserver.js";
import { componentLog } from "./logger.js";
import { stopOnSignals } from "./signals.js";
import { ensureNodeBootstrapBindings } from "./bootstrap-tokens.js";
import { CONTEXT, defaultKubeconfigPath, writeKubeconfigContext } from "./kubeconfig.js";
import type { ContainerdFlags } from "../node/runtime/containerd/open.js";

export interface UpOptions {
  dataDir: string;
  nodes: number;
  runtime: "process" | "simulated" | "containerd";
  /** With runtime containerd: --container-runtime-endpoint, or how to set up Tugboat's own containerd. */
  containerd?: ContainerdFlags;
  /** sqlite keeps everything in DIR/state.sqlite; memory keeps nothing across a restart; etcd (see store.ts). */
  store: "sqlite" | "memory" | StoreChoice;
  nodeMonitorGracePeriodMs: number;
  /** How often the store forgets the history written before the previous round (--etcd-compaction-interval; 5 min). */
  compactionIntervalMs?: number;
  /** Where the controller manager's /metrics is served (127.0.0.1; 0 picks a free port). */
  controllerManagerPort: number;
  port: number;
  host: string;
  serviceClusterIPRange: string;
  /** --service-account-issuer (default {@link DEFAULT_ISSUER}); the API audiences are [issuer]. */
  serviceAccountIssuer?: string;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /**
   * The node IPAM controller's --cluster-cidr and --node-cidr-mask-size; false: --allocate-node-cidrs=false.
   * Default: a /24 of {@link DEFAULT_CLUSTER_CIDR} per node.
   */
  nodeIpam?: NodeIpamFlags | false;
  /** --write-kubeconfig-context: merge a `tugboat` context into $KUBECONFIG's first file or ~/.kube/config and make it current. */
  writeKubeconfigContext?: boolean;
}

/** tug up's --cluster-cidr, as the 10.88.0.0/16 of CNI's own examples (and podman's). */
export const DEFAULT_CLUSTER_CIDR = "10.88.0.0/16";


/** A running `tug up`: where it serves, its components' in-process client and informers, how to stop it. */
export interface RunningTug {
  url: string;
  kubeconfig: string;
  /** The client the components use: the API server's handler called in process, no socket. */
  client: RestClient;
  informers: SharedInformers;
  stop(): Promise<void>;
}

/**
 * Starts everything `tug up` runs: the store, the API server (HTTPS) and the components. Every fixed port
 * is bound first (the controller manager's metrics, then the API server): a busy one fails the start with
 * a {@link PortUnavailableError} before anything else runs. Only then does it say it is up.
 */
export async function startTug(opts: UpOptions, log: Log, logFor: LogFor = () => log): Promise<RunningTug> {
  const started = performance.now();
  const metrics = await bindPort(
    { port: opts.controllerManagerPort, host: "127.0.0.1", what: "the controller manager's metrics", flag: "--controller-manager-port" },
    () => listenMetrics(opts.controllerManagerPort, "127.0.0.1"),
  );
  let api: StartedApiServer | undefined;
  try {
    api = await startApiServer({
      dataDir: opts.dataDir, store: opts.store, port: opts.port, host: opts.host, serviceClusterIPRange: opts.serviceClusterIPRange,
      serviceAccountIssuer: opts.serviceAccountIssuer, compactionIntervalMs: opts.compactionIntervalMs,
      defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds, defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
      nodeNames: opts.runtime !== "simulated" ? tugNodeNames(opts.nodes) : [],
    }, log, logFor("apiserver"));
    const running = api;
    const { server, url, kubeconfig, pki, ids, saKey } = running;
    const certs = pki.serving;
    const token = pki.token;

    // The components talk to the API server only through the client, as they would across machines.
    const client = new RestClient({ server: url, token, ca: certs.caCert, userAgent: "tug-up", transport: server.transport() });
    // As kubeadm init: nodes that join with a bootstrap token (tug token create) get their certificates on their own.
    await ensureNodeBootstrapBindings(client);
    // User agents as upstream's components send them: their managedFields name kube-scheduler, kubelet….
    const as = (user: string, agent: string) => new RestClient({ server: url, token: ids.tokenOf(user), ca: certs.caCert, userAgent: `${agent}/v1.32.0 (tugboat)`, transport: server.transport() });
    const identities: ComponentIdentities = {
      controllerManager: as(COMPONENT_USERS.controllerManager, "kube-controller-manager"),
      scheduler: as(COMPONENT_USERS.scheduler, "kube-scheduler"),
      proxy: as(COMPONENT_USERS.proxy, "kube-proxy"),
      node: (name) => as(nodeUser(name).name, "kubelet"),
      nodeTls: (name) => nodeTls(pki.ca, name),
    };
    const components = await startComponents(client, {
      identities,
      dataDir: opts.dataDir, nodes: opts.nodes, runtime: opts.runtime, containerd: opts.containerd, token, serviceAccountKey: saKey.pem, serviceCIDR: opts.serviceClusterIPRange, clusterSigning: pki.ca,
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, metrics,
      nodeIpam: opts.nodeIpam ?? { clusterCIDR: DEFAULT_CLUSTER_CIDR, nodeCIDRMaskSize: 24 },
    }, log, logFor);
    log({
      level: "info", msg: "Tugboat is up", server: url, kubeconfig, metrics: `http://127.0.0.1:${metrics.port}/metrics`,
      startupMs: Math.round(performance.now() - started),
    });
    return {
      url, kubeconfig, client, informers: components.informers,
      async stop() {
        await components.stop();
        client.close();
        await running.close();
      },
    };
  } catch (err) {
    metrics.server.close();
    await api?.close().catch(() => undefined);
    throw err;
  }
}

/** `tug up`: the all-in-one cluster in the foreground, until SIGINT or SIGTERM. */
export async function up(opts: UpOptions, logger: Logger): Promise<void> {
  const log = componentLog(logger, "tug");
  const tug = await startTug(opts, log, (component) => componentLog(logger, component));
  stopOnSignals(log, () => tug.stop());
  let context: string | undefined;
  if (opts.writeKubeconfigContext) {
    const file = defaultKubeconfigPath();
    try {
      writeKubeconfigContext(file, readFileSync(tug.kubeconfig, "utf8"));
      context = file;
      log({ level: "info", msg: "Wrote the tugboat context and made it current", file });
    } catch (err) {
      log({ level: "error", msg: "Writing the tugboat context failed", file, err: (err as Error).message });
    }
  }
  process.stdout.write(reachIt(tug.url, tug.kubeconfig, context));
}

/** What `tug up` tells its user once everything runs: how to reach the cluster. */
function reachIt(url: string, kubeconfig: string, context: string | undefined): string {
  const own = `  export KUBECONFIG=${kubeconfig}\n  kubectl get nodes\n`;
  return context
    ? `Tugboat is up at ${url}. The "${CONTEXT}" context is now current in ${context}:\n\n  kubectl get nodes\n\nOr with its own kubeconfig:\n\n${own}`
    : `Tugboat is up at ${url}. To reach it with kubectl:\n\n${own}`;
}
