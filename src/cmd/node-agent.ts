import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, statfsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join, resolve } from "node:path";
import { isNotFound } from "../api/errors.js";
import { generateServingCerts } from "../apiserver/tls.js";
import type { RestClient } from "../client/rest.js";
import { Kubelet } from "../node/kubelet/kubelet.js";
import { KubeletServer } from "../node/kubelet/server.js";
import { machineCapacity } from "../node/node-object.js";
import { ImageCatalog } from "../node/runtime/process/catalog.js";
import { milliCpuToShares } from "../node/kubelet/pod-resources.js";
import { CpuCgroups } from "../node/runtime/process/cgroups.js";
import { canIsolatePods, CniNetwork, DEFAULT_CNI_PATH } from "../node/runtime/process/network.js";
import { ProcessRuntime } from "../node/runtime/process/process-runtime.js";
import { NODES } from "../client/resources.js";
import { CLUSTER_DOMAIN } from "./cluster-dns.js";


export interface NodeAgentOptions {
  name: string;
  dataDir: string;
  /** The token the API server presents when it asks this agent for logs. */
  token?: string;
  /** The kubelet's --cluster-dns; absent: pods resolve with the host's resolv.conf. */
  clusterDNS?: string;
  log: (entry: Record<string, unknown>) => void;
}

/** The machine's first non-loopback IPv4 address. */
export function hostIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/**
 * The 10.88.x.0/24 subnets this host already has an address in (other clusters' node bridges), from
 * `ip addr`: a bridge whose pods are all gone has no carrier, and os.networkInterfaces() leaves such
 * interfaces out — yet its route would still shadow a second bridge on the same subnet.
 */
function hostPodSubnets(): Set<string> {
  const out = new Set<string>();
  let listing = "";
  try {
    listing = execFileSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8" });
  } catch {
    for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (a.family === "IPv4") listing += ` inet ${a.address}/24\n`;
  }
  for (const m of listing.matchAll(/ inet (10\.88\.\d+)\.\d+\//g)) out.add(`${m[1]}.0/24`);
  return out;
}

/**
 * The node's pod CIDR: the one it had, else a /24 of 10.88.0.0/16 that no other node of the cluster uses and
 * no bridge on this host holds, searched from a point that depends on the data dir, so clusters side by side
 * on one host (the end-to-end tests) do not hand out the same pod IPs.
 */
async function podCIDR(client: RestClient, name: string, dataDir: string): Promise<string> {
  try {
    const existing = (await client.get(NODES, undefined, name)).spec as { podCIDR?: string } | undefined;
    if (existing?.podCIDR?.startsWith("10.88.")) return existing.podCIDR;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const used = new Set((await client.list(NODES)).items.map((n) => (n.spec as { podCIDR?: string } | undefined)?.podCIDR));
  const onHost = hostPodSubnets();
  const start = createHash("sha1").update(resolve(dataDir)).digest().readUInt32BE(0) % 254;
  for (let k = 0; k < 254; k++) {
    const cidr = `10.88.${1 + ((start + k) % 254)}.0/24`;
    if (!used.has(cidr) && !onHost.has(cidr)) return cidr;
  }
  throw new Error("no free pod CIDR left in 10.88.0.0/16");
}

export interface NodeAgent {
  kubelet: Kubelet;
  run(signal: AbortSignal): Promise<void>;
  /** Stops the pods (SIGTERM, then SIGKILL after `graceSeconds`) and the agent's server. */
  shutdown(graceSeconds: number): Promise<void>;
}

/** A node agent with the process runtime: real processes, own namespaces and CNI network when root. */
export async function processNodeAgent(client: RestClient, opts: NodeAgentOptions): Promise<NodeAgent> {
  const stateDir = join(opts.dataDir, "nodes", opts.name);
  mkdirSync(stateDir, { recursive: true });
  const hostIP = hostIPv4();
  const cidr = await podCIDR(client, opts.name, opts.dataDir);
  const isolate = canIsolatePods();
  // One bridge and one cgroup per node of each cluster: the name hashes the data dir with the node's name.
  const hostName = `tug${createHash("sha1").update(`${resolve(opts.dataDir)}\0${opts.name}`).digest("hex").slice(0, 8)}`;
  const network = isolate ? new CniNetwork({ cniPath: DEFAULT_CNI_PATH, subnet: cidr, stateDir: join(stateDir, "cni"), bridge: hostName }) : undefined;
  const cgroups = CpuCgroups.open(hostName, milliCpuToShares(Number(machineCapacity().cpu) * 1000));
  if (!cgroups) opts.log({ level: "warn", component: "kubelet", node: opts.name, msg: "No writable cgroup v1 CPU controller: pods run without CPU shares or limits" });
  const runtime = new ProcessRuntime({
    stateDir, hostIP, network, cgroups, log: opts.log,
    catalog: new ImageCatalog({ userImagesFile: join(opts.dataDir, "images.yaml"), appletDir: join(opts.dataDir, "busybox", "bin") }),
  });
  const cleaned = await runtime.cleanUpLeftovers();
  if (cleaned) opts.log({ level: "info", component: "kubelet", node: opts.name, msg: "Cleaned up pod sandboxes of a previous run", count: cleaned });
  if (!isolate) opts.log({ level: "warn", component: "kubelet", node: opts.name, msg: "Not root (or no CNI plugins in /usr/lib/cni): pods share the host network" });

  const certs = await generateServingCerts([hostIP, opts.name]);
  // The server must listen before the Node is registered (its port is in the Node's status).
  const logs: { kubelet?: Kubelet } = {};
  const server = new KubeletServer({
    logFile: (ns, pod, container, previous) => logs.kubelet?.logFile(ns, pod, container, previous) ?? { error: "the node agent is starting", code: 400 },
  }, { cert: certs.cert, key: certs.key, token: opts.token });
  const port = await server.listen(0);
  const disk = statfsSync(stateDir);
  const kubelet = new Kubelet(client, {
    nodeName: opts.name, runtime, stateDir, hostIP, podCIDR: cidr, kubeletPort: port, ...machineCapacity(),
    clusterDNS: opts.clusterDNS ? { nameserver: opts.clusterDNS, domain: CLUSTER_DOMAIN } : undefined,
    ephemeralStorage: `${Math.floor((disk.blocks * disk.bsize) / 1024)}Ki`, log: opts.log,
  });
  logs.kubelet = kubelet;
  return {
    kubelet,
    run: (signal) => kubelet.run(signal),
    shutdown: async (graceSeconds) => {
      await kubelet.shutdown(graceSeconds);
      await network?.removeBridge();
      cgroups?.close();
      await server.close();
    },
  };
}
