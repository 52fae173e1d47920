import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiServer } from "../apiserver/server.js";
import { isWorkloadKey } from "../apiserver/prompt-writes.js";
import { RestClient } from "../client/rest.js";
import type { SharedInformers } from "../client/shared-informers.js";
import { MemoryStore } from "../store/memory.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";
import { listenMetrics } from "./controller-manager.js";
import { bindPort } from "./ports.js";
import type { Logger } from "pino";
import { startComponents, tugNodeNames, type ComponentIdentities, type Log, type LogFor, type NodeIpamFlags } from "./components.js";
import { COMPONENT_USERS, loadOrCreateComponentTokens, nodeTls, nodeUser } from "./identities.js";
import { issueCertificate } from "../api/pki/certificates.js";
import { componentLog } from "./logger.js";
import { loadOrCreatePki } from "./pki.js";
import { cidrRange } from "../apiserver/services/ranges.js";
import { DEFAULT_ISSUER } from "../apiserver/auth/serviceaccount/index.js";
import { loadOrCreateServiceAccountKey } from "./service-account-key.js";
import { adminKubeconfig, CONTEXT, defaultKubeconfigPath, writeKubeconfigContext } from "./kubeconfig.js";
import type { ContainerdFlags } from "../node/runtime/containerd/open.js";

export interface UpOptions {
  dataDir: string;
  nodes: number;
  runtime: "process" | "simulated" | "containerd";
  /** With runtime containerd: --container-runtime-endpoint, or how to set up Tugboat's own containerd. */
  containerd?: ContainerdFlags;
  /** sqlite keeps everything in DIR/state.sqlite; memory keeps nothing across a restart. */
  store: "sqlite" | "memory";
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
  let store: Store | undefined;
  let server: ApiServer | undefined;
  try {
    mkdirSync(opts.dataDir, { recursive: true });
    // The serving certificate carries the `kubernetes` Service's cluster IP: pods reach the API server there.
    const serviceIPs = cidrRange(opts.serviceClusterIPRange, "");
    const pki = await loadOrCreatePki(opts.dataDir, log, [serviceIPs.format(serviceIPs.first)]);
    const { serving: certs, token } = pki;
    const saKey = await loadOrCreateServiceAccountKey(opts.dataDir);
    const issuer = opts.serviceAccountIssuer ?? DEFAULT_ISSUER;
    store = opts.store === "memory" ? new MemoryStore() : new SqliteStore(join(opts.dataDir, "state.sqlite"), { prompt: isWorkloadKey });
    // Every component and node agent of this process is its own user (pki/tokens.csv); the API server
    // reaches node agents with its own client certificate and checks theirs.
    const ids = loadOrCreateComponentTokens(opts.dataDir, opts.runtime !== "simulated" ? tugNodeNames(opts.nodes) : []);
    const kubeletClient = await issueCertificate(pki.ca, { commonName: "kube-apiserver-kubelet-client", organizations: ["system:masters"], usage: "client", now: new Date() });
    server = new ApiServer({
      store, certs, token, bindAdvertiseAddress: true, authorizationModes: ["Node", "RBAC"],
      tokenFile: ids.tokens,
      kubeletClient: { ca: pki.ca.cert, cert: kubeletClient.cert, key: kubeletClient.key }, serviceAccounts: { key: saKey, issuer, audiences: [issuer] }, serviceClusterIPRange: opts.serviceClusterIPRange, log: logFor("apiserver"), compactionIntervalMs: opts.compactionIntervalMs,
      defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
    });
    const api = server;
    const port = await bindPort({ port: opts.port, host: opts.host, what: "the API server", flag: "--port" }, () => api.listen(opts.port, opts.host));
    const url = `https://${opts.host === "0.0.0.0" ? "127.0.0.1" : opts.host}:${port}`;
    const kubeconfig = join(opts.dataDir, "kubeconfig");
    writeFileSync(kubeconfig, adminKubeconfig(url, certs.caCert, { clientCertificate: pki.admin.cert, clientKey: pki.admin.key }), { mode: 0o600 });

    // The components talk to the API server only through the client, as they would across machines.
    const client = new RestClient({ server: url, token, ca: certs.caCert, userAgent: "tug-up", transport: server.transport() });
    // User agents as upstream's components send them: their managedFields name kube-scheduler, kubelet….
    const as = (user: string, agent: string) => new RestClient({ server: url, token: ids.tokenOf(user), ca: certs.caCert, userAgent: `${agent}/v1.32.0 (tugboat)`, transport: api.transport() });
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
    const running = { server, store };
    return {
      url, kubeconfig, client, informers: components.informers,
      async stop() {
        await components.stop();
        client.close();
        await running.server.close();
        await running.store.close();
      },
    };
  } catch (err) {
    metrics.server.close();
    await server?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    throw err;
  }
}

/** `tug up`: the all-in-one cluster in the foreground, until SIGINT or SIGTERM. */
export async function up(opts: UpOptions, logger: Logger): Promise<void> {
  const log = componentLog(logger, "tug");
  const tug = await startTug(opts, log, (component) => componentLog(logger, component));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: "info", msg: "Stopping", signal });
    await tug.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
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
