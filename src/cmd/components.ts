import { setMaxListeners } from "node:events";
import type { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { ControllerManager } from "../controllers/manager.js";
import { SimulatedNodePool } from "../node/simulated/pool.js";
import { ServiceProxy } from "../proxy/proxy.js";
import { canHostServiceIPs } from "../proxy/service-addresses.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { CLUSTER_DOMAIN, clusterDnsIP, ensureClusterDnsService } from "./cluster-dns.js";
import type { MetricsServer } from "./controller-manager.js";
import { processNodeAgent, type NodeAgentOptions } from "./node-agent.js";
import type { ContainerdFlags } from "../node/runtime/containerd/open.js";
import { ensureDefaultStorageClass } from "./storage.js";
import type { Log, LogFor } from "./logger.js";
import type { CertificateAndKey } from "../api/pki/certificates.js";

/** What `tug up` runs besides the API server, and how. */
export interface ComponentsOptions {
  dataDir: string;
  nodes: number;
  runtime: "process" | "simulated" | "containerd";
  /** With runtime containerd: its endpoint, or how to set up Tugboat's own. */
  containerd?: ContainerdFlags;
  nodeMonitorGracePeriodMs: number;
  /** The node IPAM controller's range (false: nodes get no pod CIDR from the controller manager). */
  nodeIpam: NodeIpamFlags | false;
  /** The controller manager's /metrics endpoint, already listening. */
  metrics: MetricsServer;
  /** The admin token, for the node agents' servers (the API server proxies pod logs with it) without `identities`. */
  token: string;
  /** Each component's own client and the node agents' certificates; absent: everything runs as `client` (tests, bench). */
  identities?: ComponentIdentities;
  /** The service account signing key (PEM), for the controller manager's legacy token controller. */
  serviceAccountKey?: string;
  /** The API server's --service-cluster-ip-range (the cluster DNS takes its tenth address). */
  serviceCIDR: string;
  /** The cluster CA with its key: the controller manager's csrsigning controller signs with it. */
  clusterSigning?: CertificateAndKey;
}

/**
 * Who each component is: its own client (its own user, so RBAC and the Node authorizer give it what its
 * role needs and nothing more), and how node agents get their serving certificates and whose client
 * certificates they accept.
 */
export interface ComponentIdentities {
  controllerManager: RestClient;
  scheduler: RestClient;
  proxy: RestClient;
  node(name: string): RestClient;
  nodeTls(name: string): NonNullable<NodeAgentOptions["tls"]>;
}

/** --cluster-cidr and --node-cidr-mask-size, when --allocate-node-cidrs is true. */
export interface NodeIpamFlags {
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
}

export type { Log, LogFor } from "./logger.js";

/**
 * Binds `tug up`'s scheduler keeps in flight. In process a bind costs no connection: 32 capped a
 * 10,000-pod scale-up at the bind round-trip (about 900 binds/s). Past ~128 more only costs: every bind in
 * flight holds its request, response and pod alive through young-generation collections — binding
 * 3 × 5,000 pods on 1,000 nodes, 256 in flight spent 76 – 113 µs of GC a pod, 128 spent 49 – 68 µs,
 * and bound ~10 % more pods a second (interleaved runs).
 */
export const TUG_UP_BIND_CONCURRENCY = 128;

/** The names of `tug up --nodes N`'s nodes. */
export function tugNodeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `tug-node-${i + 1}`);
}

/**
 * Starts the scheduler, the controller manager, the service proxy and the node agents (`--nodes N`, process or simulated)
 * against `client`, on one shared informer per resource: each pod event is decoded once, not once per
 * component. Returns those informers and how to stop it all (node agents get 10 s to stop their pods).
 */
export async function startComponents(client: RestClient, opts: ComponentsOptions, log: Log, logFor: LogFor = () => log): Promise<{ informers: SharedInformers; stop(): Promise<void> }> {
  const components = new AbortController();
  // Every informer and loop of every component listens on this one signal.
  setMaxListeners(0, components.signal);
  const dnsIP = clusterDnsIP(opts.serviceCIDR);
  await ensureClusterDnsService(client, dnsIP);
  await ensureDefaultStorageClass(client);
  const nodeNames = tugNodeNames(opts.nodes);
  const ids = opts.identities;
  const agents = opts.runtime !== "simulated"
    ? await Promise.all(nodeNames.map((name) => processNodeAgent(ids?.node(name) ?? client, {
      name, dataDir: opts.dataDir, token: opts.token, tls: ids?.nodeTls(name), clusterDNS: dnsIP, log: logFor("kubelet"),
      containerd: opts.runtime === "containerd" ? opts.containerd ?? {} : undefined,
    })))
    : [];
  // The shared informers read as the controller manager, whose controllers read nearly every kind.
  const informers = new SharedInformers(ids?.controllerManager ?? client);
  const clusterIPs = opts.runtime !== "simulated" && canHostServiceIPs();
  const manager = new ControllerManager(ids?.controllerManager ?? client, {
    nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, informers, log: logFor("controller-manager"), serviceAccountPrivateKey: opts.serviceAccountKey,
    nodeIpam: opts.nodeIpam ? { ...opts.nodeIpam, serviceCIDR: opts.serviceCIDR } : undefined,
    clusterSigning: opts.clusterSigning,
  });
  opts.metrics.serve(manager.metrics);
  log({ level: "info", msg: "Controller manager metrics", url: `http://127.0.0.1:${opts.metrics.port}/metrics` });
  const running = [
    new Scheduler(ids?.scheduler ?? client, { informers, log: logFor("scheduler"), bindConcurrency: TUG_UP_BIND_CONCURRENCY }).run(components.signal),
    manager.run(components.signal),
    // One proxy per host: node ports always; cluster IPs only where pods have real addresses behind them.
    new ServiceProxy(ids?.proxy ?? client, {
      informers, clusterIPs, serviceCIDR: opts.serviceCIDR, dns: clusterIPs ? { ip: dnsIP, domain: CLUSTER_DOMAIN } : undefined, registry: manager.metrics.registry, log: logFor("proxy"),
    }).run(components.signal),
    ...(opts.runtime === "simulated" ? [new SimulatedNodePool(client, { nodes: nodeNames, informers, log: logFor("simulated-node") }).run(components.signal)] : agents.map((a) => a.run(components.signal))),
    informers.run(components.signal),
  ].map((p) => p.catch((err: unknown) => log({ level: "error", msg: "A component stopped", err: err instanceof Error ? err.stack : String(err) })));
  return {
    informers,
    async stop() {
      components.abort();
      await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 2000))]);
      await Promise.all(agents.map((a) => a.shutdown(10)));
      opts.metrics.server.close();
    },
  };
}
