import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { loadKubeconfig, RestClient } from "../client/rest.js";
import { componentLog } from "./logger.js";
import { ServiceProxy } from "../proxy/proxy.js";
import { canHostServiceIPs } from "../proxy/service-addresses.js";
import { SimulatedNodePool } from "../node/simulated/pool.js";
import { CLUSTER_DOMAIN, discoverClusterDnsIP } from "./cluster-dns.js";
import { processNodeAgent } from "./node-agent.js";

export interface NodeOptions {
  kubeconfig: string;
  name: string;
  runtime: "process" | "simulated";
  dataDir: string;
}


/** `tug node`: one node agent joining a running cluster, until SIGINT or SIGTERM. */
export async function node(opts: NodeOptions, logger: Logger): Promise<void> {
  const log = componentLog(logger, "tug-node");
  const config = loadKubeconfig(opts.kubeconfig);
  const client = new RestClient(config);
  // The token the API server presents to this agent's server (pod logs, exec): the kubeconfig's, or, for the
  // kubeconfig `tug up` writes (a client certificate), the static token beside it in DIR/pki/admin.token.
  const tokenFile = join(dirname(opts.kubeconfig), "pki", "admin.token");
  const token = config.token ?? (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined);
  if (token === undefined) log({ level: "warn", msg: "No token in the kubeconfig nor beside it (pki/admin.token): the node agent's server takes requests without credentials" });
  const stop = new AbortController();
  const dnsIP = await discoverClusterDnsIP(client);
  const agent = opts.runtime === "process"
    ? await processNodeAgent(client, { name: opts.name, dataDir: opts.dataDir, token, clusterDNS: dnsIP, log: componentLog(logger, "kubelet") })
    : undefined;
  // A process node serves services too; on a host that already runs a proxy (tug up), that one keeps its addresses.
  const proxy = agent ? new ServiceProxy(client, { clusterIPs: canHostServiceIPs(), dns: canHostServiceIPs() && dnsIP ? { ip: dnsIP, domain: CLUSTER_DOMAIN } : undefined, log: componentLog(logger, "proxy") }).run(stop.signal) : Promise.resolve();
  const running = agent ? agent.run(stop.signal) : new SimulatedNodePool(client, { nodes: [opts.name], log: componentLog(logger, "simulated-node") }).run(stop.signal);
  log({ level: "info", msg: "Node agent is up", node: opts.name, runtime: opts.runtime });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: "info", msg: "Stopping", signal });
    stop.abort();
    await Promise.race([Promise.all([running, proxy]).catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    await agent?.shutdown(10);
    client.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  await running.catch((err: unknown) => {
    log({ level: "error", msg: "The node agent stopped", err: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  });
}
