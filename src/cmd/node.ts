import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { KubeconfigError, loadKubeconfig, RestClient } from "../client/rest.js";
import { componentLog, type Log } from "./logger.js";
import { stopOnSignals } from "./signals.js";
import { joinIdentity } from "./node-join.js";
import { ServiceProxy } from "../proxy/proxy.js";
import { canHostServiceIPs } from "../proxy/service-addresses.js";
import { SimulatedNodePool } from "../node/simulated/pool.js";
import { CLUSTER_DOMAIN, discoverClusterDnsIP } from "./cluster-dns.js";
import { processNodeAgent, type NodeAgentOptions } from "./node-agent.js";
import type { ContainerdFlags } from "../node/runtime/containerd/open.js";
import { nodeTls, nodeUser } from "./identities.js";
import { issueCertificate } from "../api/pki/certificates.js";

export interface NodeOptions {
  /** How to reach the API server and as whom; with `join`, only where (its server and CA). */
  kubeconfig?: string;
  /**
   * Join as kubeadm's nodes do: the node's own client and serving certificates through CSRs, asked for
   * with a bootstrap token (none needed while the node's certificate in its data dir is good).
   */
  join?: { ca?: string; token?: string };
  name: string;
  runtime: "process" | "simulated" | "containerd";
  /** With runtime containerd: --container-runtime-endpoint, or how to set up Tugboat's own containerd. */
  containerd?: ContainerdFlags;
  dataDir: string;
  /** --server: the API servers to use instead of the kubeconfig's (several: the next one when one can't be reached). */
  servers?: string[];
  /** --max-pods (the kubelet's): the Node's pods capacity (default 110). */
  maxPods?: number;
}

/** `tug node`: one node agent joining a running cluster, until SIGINT or SIGTERM. */
export async function node(opts: NodeOptions, logger: Logger): Promise<void> {
  const log = componentLog(logger, "tug-node");
  const stop = new AbortController();
  const { admin, client, identity, token } = opts.join ? await joined(opts, opts.join, log, stop.signal) : await withKubeconfig(opts, log);
  const dnsIP = await discoverClusterDnsIP(client);
  const agent = opts.runtime !== "simulated"
    ? await processNodeAgent(client, {
      name: opts.name, dataDir: opts.dataDir, token, tls: identity?.tls, clusterDNS: dnsIP, maxPods: opts.maxPods, log: componentLog(logger, "kubelet"),
      containerd: opts.runtime === "containerd" ? opts.containerd ?? {} : undefined,
    })
    : undefined;
  // A process node serves services too; on a host that already runs a proxy (tug up), that one keeps its addresses.
  const proxy = agent ? new ServiceProxy(admin, { clusterIPs: canHostServiceIPs(), dns: canHostServiceIPs() && dnsIP ? { ip: dnsIP, domain: CLUSTER_DOMAIN } : undefined, log: componentLog(logger, "proxy") }).run(stop.signal) : Promise.resolve();
  const running = agent ? agent.run(stop.signal) : new SimulatedNodePool(admin, { nodes: [opts.name], pods: String(opts.maxPods ?? 110), log: componentLog(logger, "simulated-node") }).run(stop.signal);
  log({ level: "info", msg: "Node agent is up", node: opts.name, runtime: opts.runtime });
  stopOnSignals(log, async () => {
    stop.abort();
    await Promise.race([Promise.all([running, proxy]).catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    // As upstream's kubelet: containers outlive the agent (containerd) and the next start adopts them.
    const kept = await agent?.shutdown(10, { keepContainers: true });
    if (kept) log({ level: "info", msg: "The pods' containers keep running: the node agent adopts them when it starts again (delete or drain the pods first to stop them)", node: opts.name });
    client.close();
    if (admin !== client) admin.close();
  });
  await running.catch((err: unknown) => {
    log({ level: "error", msg: "The node agent stopped", err: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  });
}

/** The clients of a node that joins with its own certificates: the agent and its service proxy are the node. */
async function joined(opts: NodeOptions, join: NonNullable<NodeOptions["join"]>, log: Log, signal: AbortSignal) {
  const config = opts.kubeconfig ? loadKubeconfig(opts.kubeconfig) : undefined;
  const server = opts.servers?.[0] ?? config?.server;
  const ca = join.ca ?? config?.ca;
  if (!server || !ca) throw new KubeconfigError("tug node needs the API server's URL and CA to join (--server and --certificate-authority, or a --kubeconfig naming them)");
  const identity = await joinIdentity({ server, ca, token: join.token, name: opts.name, dataDir: opts.dataDir, signal, log });
  const client = new RestClient({ server, servers: opts.servers, ca, cert: identity.client.cert, key: identity.client.key, userAgent: "kubelet/v1.32.0 (tugboat)" });
  return { admin: client, client, identity, token: undefined };
}

/** The clients of a node started with a kubeconfig: its own identity when the cluster's CA key is beside it (tug up's data dir), else the kubeconfig's user. */
async function withKubeconfig(opts: NodeOptions, log: Log) {
  const kubeconfig = opts.kubeconfig!;
  const name = opts.name;
  const loaded = loadKubeconfig(kubeconfig);
  const config = opts.servers?.length ? { ...loaded, server: opts.servers[0]!, servers: opts.servers } : loaded;
  const admin = new RestClient(config);
  const identity = await nodeIdentity(kubeconfig, name);
  if (!identity) log({ level: "warn", msg: "No cluster CA key beside the kubeconfig (pki/ca.key) and no --token: the node agent runs with the kubeconfig's user and a self-signed serving certificate, which an API server that checks node agents refuses" });
  const client = identity ? new RestClient({ ...config, token: undefined, cert: identity.client.cert, key: identity.client.key }) : admin;
  const tokenFile = join(dirname(kubeconfig), "pki", "admin.token");
  const token = config.token ?? (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined);
  return { admin, client, identity, token };
}

/**
 * The node's own identity when the cluster's CA is at hand (DIR/pki beside `tug up`'s kubeconfig): a
 * client certificate for `system:node:<name>` in system:nodes (what the Node authorizer knows), and
 * serving certificates naming the node, as upstream's TLS bootstrap would issue them.
 */
async function nodeIdentity(kubeconfig: string, name: string): Promise<{ client: { cert: string; key: string }; tls: NonNullable<NodeAgentOptions["tls"]> } | undefined> {
  const pki = join(dirname(kubeconfig), "pki");
  if (!existsSync(join(pki, "ca.key"))) return undefined;
  const ca = { cert: readFileSync(join(pki, "ca.crt"), "utf8"), key: readFileSync(join(pki, "ca.key"), "utf8") };
  const user = nodeUser(name);
  const client = await issueCertificate(ca, { commonName: user.name, organizations: user.groups, usage: "client", now: new Date() });
  return {
    client: { cert: client.cert, key: client.key! },
    tls: nodeTls(ca, name),
  };
}
