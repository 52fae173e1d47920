import { createHash } from "node:crypto";
import { mkdirSync, statfsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join, resolve } from "node:path";
import { isNotFound } from "../api/errors.js";
import { apiReviews, KubeletAuth } from "../node/kubelet/server-auth.js";
import { generateServingCerts } from "../apiserver/tls.js";
import type { RestClient } from "../client/rest.js";
import { realClock } from "../client/clock.js";
import { Informer } from "../client/informer.js";
import type { KubeObject } from "../api/types.js";
import { Kubelet } from "../node/kubelet/kubelet.js";
import { KubeletServer } from "../node/kubelet/server.js";
import { machineCapacity, nodeObject, readyConditions } from "../node/node-object.js";
import { registerNodeWithRetry } from "../node/register.js";
import { ImageCatalog } from "../node/runtime/process/catalog.js";
import { milliCpuToShares } from "../node/kubelet/pod-resources.js";
import { CpuCgroups } from "../node/runtime/process/cgroups.js";
import { canIsolatePods, CniNetwork, DEFAULT_CNI_PATH } from "../node/runtime/process/network.js";
import { ProcessRuntime } from "../node/runtime/process/process-runtime.js";
import type { Runtime } from "../node/runtime/runtime.js";
import { RuntimeUnavailableError } from "../node/runtime/containerd/cri-client.js";
import { checkContainerd, openContainerdRuntime, type ContainerdFlags } from "../node/runtime/containerd/open.js";
import { NODES } from "../client/resources.js";
import { CLUSTER_DOMAIN } from "./cluster-dns.js";


export interface NodeAgentOptions {
  name: string;
  dataDir: string;
  /** The token the API server presents when it asks this agent for logs (without `tls`). */
  token?: string;
  /**
   * The agent's certificates from the cluster CA: its serving certificate (CN system:node:<name>), issued
   * for the hosts it is given, and the CA whose client certificates it accepts (the API server's). Its
   * authorization is then the API server's: TokenReview and SubjectAccessReview through `client`.
   * Absent: a self-signed serving certificate and the `token` (tests of the agent alone).
   * `afterRegistration`: the serving certificate is asked for only once the Node is registered, for the
   * name and addresses the Node has (a CSR the approver checks against them); a self-signed one is served
   * until it comes.
   */
  tls?: { serving(hosts: string[]): Promise<{ cert: string; key: string }>; clientCA: string; afterRegistration?: boolean };
  /** The kubelet's --cluster-dns; absent: pods resolve with the host's resolv.conf. */
  clusterDNS?: string;
  /** Run pods as containers through containerd's CRI (`--runtime containerd`) instead of as processes. */
  containerd?: ContainerdFlags;
  /** The kubelet's --max-pods: the Node's pods capacity (default 110). */
  maxPods?: number;
  log: (entry: Record<string, unknown>) => void;
}

/** The machine's first IPv4 address that is neither loopback nor a pod bridge (`tug…`) of a node agent. */
export function hostIPv4(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name.startsWith("tug")) continue;
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/**
 * The node's address (its InternalIP, the pods' status.hostIP): the host's, when it has one pods can
 * reach through their bridge's gateway; on a host with loopback only (a network namespace of its own),
 * the gateway itself — the first address of the pod CIDR, which the node's pods and the host both reach
 * (127.0.0.1 inside a pod is the pod).
 */
function nodeIP(hostIP: string, network: CniNetwork): string {
  return hostIP !== "127.0.0.1" ? hostIP : network.gateway.split("/")[0]!;
}

const NETWORK_NOT_READY = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

/**
 * The node's pod CIDR, as the kubelet gets it: from its Node's `spec.podCIDR`, which the controller
 * manager's node IPAM controller sets — the agent never picks one. A Node that does not exist yet is
 * registered first (NotReady: its network is not set up), so the controller has something to allocate for.
 */
async function awaitPodCIDR(client: RestClient, node: KubeObject, signal: AbortSignal, log: NodeAgentOptions["log"]): Promise<string | undefined> {
  const name = node.metadata.name!;
  const cidrOf = (n: KubeObject | undefined) => (n?.spec as { podCIDR?: string } | undefined)?.podCIDR;
  const existing = await client.get(NODES, undefined, name).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (cidrOf(existing)) return cidrOf(existing);
  if (!existing) await registerNodeWithRetry(client, () => node, { clock: realClock, signal, log });
  log({ level: "info", component: "kubelet", node: name, msg: "Waiting for the node's pod CIDR (spec.podCIDR, set by the controller manager's node IPAM controller)" });
  const watching = new AbortController();
  const stop = () => watching.abort();
  signal.addEventListener("abort", stop, { once: true });
  const informer = new Informer(client, { resource: NODES, fieldSelector: `metadata.name=${name}` });
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      const check = (n: KubeObject) => {
        if (cidrOf(n)) resolve(cidrOf(n));
      };
      informer.on({ add: check, update: (_o, n) => check(n) });
      informer.run(watching.signal).then(() => resolve(undefined), reject);
    });
  } finally {
    signal.removeEventListener("abort", stop);
    watching.abort();
  }
}

/**
 * The node's name and the addresses its registered Node reports (what a serving certificate names), once
 * the Node is Ready (its agent has reported its final addresses: a node whose pods get their own network
 * registers before that with the host's); undefined when `signal` aborts first.
 */
async function registeredAddresses(client: RestClient, name: string, signal: AbortSignal): Promise<string[] | undefined> {
  const watching = new AbortController();
  const stop = () => watching.abort();
  signal.addEventListener("abort", stop, { once: true });
  const informer = new Informer(client, { resource: NODES, fieldSelector: `metadata.name=${name}` });
  try {
    return await new Promise<string[] | undefined>((resolve, reject) => {
      const check = (n: KubeObject) => {
        const status = n.status as { addresses?: Array<{ type?: string; address?: string }>; conditions?: Array<{ type?: string; status?: string }> } | undefined;
        const addresses = status?.addresses ?? [];
        const ready = status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        if (ready && addresses.length > 0) resolve([...new Set([name, ...addresses.map((a) => a.address ?? "").filter(Boolean)])]);
      };
      informer.on({ add: check, update: (_o, n) => check(n) });
      informer.run(watching.signal).then(() => resolve(undefined), reject);
    });
  } finally {
    signal.removeEventListener("abort", stop);
    watching.abort();
  }
}

export interface NodeAgent {
  /** Waits for the node's pod CIDR (when pods get their own network), then runs the kubelet until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /**
   * Stops the pods (SIGTERM, then SIGKILL after `graceSeconds`) and the agent's server. With
   * `keepContainers` (containerd), the pods' containers keep running, with their network, for the agent's
   * next start to adopt; resolves to whether they were kept.
   */
  shutdown(graceSeconds: number, opts?: { keepContainers?: boolean }): Promise<boolean>;
}

/**
 * A node agent with the process runtime (real processes, own namespaces and CNI network when root), or
 * with `containerd` the containerd runtime (containers from images through CRI; needs root and the CNI
 * plugins, and fails here with one line when containerd can't be used).
 */
export async function processNodeAgent(client: RestClient, opts: NodeAgentOptions): Promise<NodeAgent> {
  const stateDir = join(opts.dataDir, "nodes", opts.name);
  mkdirSync(stateDir, { recursive: true });
  let hostIP = hostIPv4();
  const isolate = canIsolatePods();
  if (opts.containerd) {
    if (!isolate) throw new RuntimeUnavailableError(`--runtime containerd needs root and the CNI plugins (bridge, host-local) in ${DEFAULT_CNI_PATH}`);
    await checkContainerd(opts.containerd);
  }
  // One bridge and one cgroup per node of each cluster: the name hashes the (absolute) data dir with the node's name.
  const hostName = `tug${createHash("sha1").update(`${resolve(opts.dataDir)}\0${opts.name}`).digest("hex").slice(0, 8)}`;
  const cgroups = CpuCgroups.open(hostName, milliCpuToShares(Number(machineCapacity().cpu) * 1000));
  if (!cgroups) opts.log({ level: "warn", component: "kubelet", node: opts.name, msg: "No writable cgroup v1 CPU controller: pods run without CPU shares or limits" });
  if (!isolate) opts.log({ level: "warn", component: "kubelet", node: opts.name, msg: "Not root (or no CNI plugins in /usr/lib/cni): pods share the host network" });

  const certs = opts.tls && !opts.tls.afterRegistration ? await opts.tls.serving([hostIP, opts.name]) : await generateServingCerts([hostIP, opts.name]);
  const auth = opts.tls
    ? new KubeletAuth({ nodeName: opts.name, clientCA: opts.tls.clientCA, reviews: apiReviews(client) })
    : new KubeletAuth({ nodeName: opts.name, token: opts.token });
  // The server must listen before the Node is registered (its port is in the Node's status).
  const started: { kubelet?: Kubelet; network?: CniNetwork; runtime?: Runtime } = {};
  const server = new KubeletServer({
    logFile: (ns, pod, container, previous) => started.kubelet?.logFile(ns, pod, container, previous) ?? { error: "the node agent is starting", code: 400 },
  }, {
    cert: certs.cert, key: certs.key, auth,
    streams: {
      nodeName: opts.name,
      target: (ns, pod, container) => started.kubelet?.streamTarget(ns, pod, container) ?? { error: "the node agent is starting", code: 400 },
      runtime: () => started.runtime?.streaming,
      running: (id) => started.runtime?.containerStatus(id)?.state === "running",
    },
  });
  const port = await server.listen(0);
  const disk = statfsSync(stateDir);
  const shape = {
    name: opts.name, ...machineCapacity(), pods: String(opts.maxPods ?? 110), internalIP: hostIP, runtimeVersion: opts.containerd ? "containerd://" : "tugboat-process://0.1.0", kubeletPort: port,
    ephemeralStorage: `${Math.floor((disk.blocks * disk.bsize) / 1024)}Ki`, volumeDir: resolve(stateDir, "volumes"),
  };

  const startKubelet = async (signal: AbortSignal): Promise<Kubelet | undefined> => {
    let cidr: string | undefined;
    if (isolate) {
      const notReady = nodeObject(shape, Date.now());
      (notReady.status as { conditions: Array<Record<string, string>> }).conditions = readyConditions(Date.now(), false).map((c) => (c.type === "Ready" ? { ...c, message: NETWORK_NOT_READY } : c));
      cidr = await awaitPodCIDR(client, notReady, signal, opts.log);
      if (cidr === undefined) return undefined;
      started.network = new CniNetwork({ cniPath: DEFAULT_CNI_PATH, subnet: cidr, stateDir: join(stateDir, "cni"), bridge: hostName });
      await started.network.ensureBridge();
      hostIP = nodeIP(hostIP, started.network);
    }
    const runtime = opts.containerd
      ? await openContainerdRuntime({
        ...opts.containerd, nodeName: opts.name, dir: join(stateDir, "containerd"), podCIDR: cidr!, bridge: hostName, cniBinDir: DEFAULT_CNI_PATH, hostIP, log: opts.log,
      })
      : new ProcessRuntime({
        stateDir, hostIP, network: started.network, cgroups, log: opts.log,
        catalog: new ImageCatalog({ userImagesFile: join(opts.dataDir, "images.yaml"), appletDir: join(opts.dataDir, "busybox", "bin") }),
      });
    started.runtime = runtime;
    if (runtime instanceof ProcessRuntime) {
      const cleaned = await runtime.cleanUpLeftovers();
      if (cleaned) opts.log({ level: "info", component: "kubelet", node: opts.name, msg: "Cleaned up pod sandboxes of a previous run", count: cleaned });
    }
    return new Kubelet(client, {
      nodeName: opts.name, runtime, stateDir, hostIP, podCIDR: cidr, kubeletPort: port, cpu: shape.cpu, memory: shape.memory,
      clusterDNS: opts.clusterDNS ? { nameserver: opts.clusterDNS, domain: CLUSTER_DOMAIN } : undefined,
      ephemeralStorage: shape.ephemeralStorage, images: opts.containerd?.images, log: opts.log,
    });
  };
  const tls = opts.tls;
  const serveOwnCertificate = async (signal: AbortSignal) => {
    if (!tls?.afterRegistration) return;
    try {
      const hosts = await registeredAddresses(client, opts.name, signal);
      if (hosts === undefined) return;
      const issued = await tls.serving(hosts);
      server.setCertificate(issued.cert, issued.key);
      opts.log({ level: "info", component: "kubelet", node: opts.name, msg: "Serving with the node's certificate from the cluster CA", hosts });
    } catch (err) {
      if (!signal.aborted) opts.log({ level: "error", component: "kubelet", node: opts.name, msg: "No serving certificate for the node", err: (err as Error).message });
    }
  };
  return {
    run: async (signal) => {
      void serveOwnCertificate(signal);
      started.kubelet = await startKubelet(signal);
      await started.kubelet?.run(signal);
    },
    shutdown: async (graceSeconds, { keepContainers = false } = {}) => {
      let kept = false;
      if (started.kubelet) kept = await started.kubelet.shutdown(graceSeconds, keepContainers);
      // Stopped while the runtime was starting: no kubelet closes it (and a containerd of our own).
      else if (keepContainers && started.runtime?.detach) {
        await started.runtime.detach();
        kept = true;
      } else await started.runtime?.close(graceSeconds);
      // The kept pods stay on the node's bridge.
      if (!kept) await started.network?.removeBridge();
      cgroups?.close();
      await server.close();
      return kept;
    },
  };
}
