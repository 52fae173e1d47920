import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PortMapping } from "../runtime.js";
import { OffThreadExec } from "./off-thread-exec.js";

export interface CniOptions {
  /** Where the CNI plugins live (Debian: /usr/lib/cni). */
  cniPath: string;
  /** The node's bridge device (≤ 15 characters). */
  bridge: string;
  /** The node's pod CIDR, e.g. 10.88.3.0/24. */
  subnet: string;
  /** Where host-local keeps its allocations and the UTS namespace files live. */
  stateDir: string;
}

export const DEFAULT_CNI_PATH = "/usr/lib/cni";

/** True when this process can give pods their own namespaces and CNI network. */
export function canIsolatePods(cniPath = DEFAULT_CNI_PATH): boolean {
  return process.platform === "linux" && process.getuid?.() === 0 && existsSync(join(cniPath, "bridge")) && existsSync(join(cniPath, "host-local"));
}

export interface PodNamespaces {
  /** The network namespace file, for nsenter --net. */
  netns: string;
  /** The UTS namespace file, for nsenter --uts. */
  uts: string;
  /** The IPC namespace file, for nsenter --ipc (the pod's IPC sysctls and System V objects are its own). */
  ipc: string;
}

interface CniResult {
  ips?: Array<{ address: string }>;
}

/** What a pod's network is set up with besides its id and hostname. */
export interface PodNetworkOptions {
  /** hostPorts to forward to the pod, through the CNI `portmap` plugin. */
  portMappings?: readonly PortMapping[];
  /** The pod's identity, passed to the plugins as CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID). */
  pod?: { namespace: string; name: string; uid: string };
  /** Namespaced sysctls to set in the pod's network and IPC namespaces. */
  sysctls?: ReadonlyArray<{ name: string; value: string }>;
}

/**
 * Where a sysctl lives under /proc/sys, as upstream's NormalizeName reads a name: dots separate, unless
 * the name's first separator is a slash (then slashes separate, and a dot is part of a component).
 */
export function sysctlPath(name: string): string {
  const slash = name.indexOf("/");
  const dot = name.indexOf(".");
  if (slash >= 0 && (dot < 0 || slash < dot)) return name;
  return name.replace(/[./]/g, (c) => (c === "." ? "/" : "."));
}

/**
 * What one setup or teardown runs, in one shell: spawning a process blocks the node agent's event loop
 * for milliseconds (fork of a large process), so the handful of steps of a pod's network are one spawn,
 * and the shell forks the rest. Arguments: $1 id, $2 netns file, $3 UTS file, $4 hostname. A plugin
 * that fails prints `<type> <command>` and then its output (a CNI error object) and exits 3.
 */
const CNI_FUNCTION = `cni() { out=$(CNI_COMMAND=$2 CNI_IFNAME=$3 "$CNI_PATH/$1" < "$4") || { printf '%s %s\\n%s' "$1" "$2" "$out"; exit 3; }; }`;

/**
 * A pod's own network and UTS namespaces, wired with the standard CNI plugins: `loopback` for lo and
 * `bridge` + `host-local` for eth0, so the pod has an IP on the node's bridge that the host can reach,
 * then `portmap` chained after the bridge for the pod's hostPorts (iptables DNAT, with SNAT so that the
 * host's own 127.0.0.1 reaches them). As the CNI specification asks, a chained plugin gets the previous
 * plugin's result, and DEL gets the result ADD produced, cached under the state dir until the pod goes.
 * The namespaces are bind-mounted to files, so they outlive any one process of the pod.
 */
export class CniNetwork {
  private readonly loopbackConfig: string;
  private readonly bridgeConfig: string;
  private readonly exec = new OffThreadExec();

  constructor(private readonly opts: CniOptions) {
    mkdirSync(this.utsDir, { recursive: true });
    mkdirSync(this.ipcDir, { recursive: true });
    this.loopbackConfig = join(opts.stateDir, "loopback.conf");
    this.bridgeConfig = join(opts.stateDir, "bridge.conf");
    writeFileSync(this.loopbackConfig, JSON.stringify({ cniVersion: "1.0.0", name: "tugboat-lo", type: "loopback" }));
    writeFileSync(this.bridgeConfig, JSON.stringify({
      cniVersion: "1.0.0", name: "tugboat", type: "bridge", bridge: opts.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: "host-local", ranges: [[{ subnet: opts.subnet }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(opts.stateDir, "ipam") },
    }));
  }

  private get utsDir(): string {
    return join(this.opts.stateDir, "uts");
  }

  private get ipcDir(): string {
    return join(this.opts.stateDir, "ipc");
  }

  /** Where the portmap configuration a pod was set up with is kept (with the bridge's result) for DEL. */
  private portmapConfig(id: string): string {
    return join(this.opts.stateDir, "results", `${id}-portmap.json`);
  }

  namespaces(id: string): PodNamespaces {
    return { netns: `/run/netns/tug-${id}`, uts: join(this.utsDir, id), ipc: join(this.ipcDir, id) };
  }

  /** Runs `script` in one shell with the pod's CNI environment; resolves to its stdout. */
  private async shell(id: string, hostname: string, script: string[], cniArgs = "", extra: string[] = []): Promise<string> {
    const ns = this.namespaces(id);
    const env = { ...process.env, CNI_CONTAINERID: id, CNI_NETNS: ns.netns, CNI_PATH: this.opts.cniPath, CNI_ARGS: cniArgs };
    const r = await this.exec.run("/bin/sh", ["-c", [CNI_FUNCTION, ...script].join("\n"), "sh", id, ns.netns, ns.uts, hostname, ns.ipc, ...extra], env, 30_000);
    if (r.code === 0) return r.stdout;
    if (r.code === 4) throw new Error(r.stdout.trim());
    if (r.code !== 3) throw new Error(r.stderr.trim() || r.error || `exit status ${r.code}`);
    const [what = "", ...rest] = r.stdout.split("\n");
    const [type, command = ""] = what.split(" ");
    const out = rest.join("\n").trim();
    let msg = out;
    try {
      const parsed = JSON.parse(out) as { msg?: string; details?: string };
      msg = [parsed.msg, parsed.details].filter(Boolean).join(": ");
    } catch { /* plain text */ }
    throw new Error(`plugin type="${type}" failed (${command.toLowerCase()}): ${msg || "no output"}`);
  }

  /** Creates the namespaces, sets the hostname, attaches the pod to the bridge and forwards its hostPorts; returns its IP. */
  async setup(id: string, hostname: string, opts: PodNetworkOptions = {}): Promise<string> {
    const cniArgs = opts.pod
      ? `IgnoreUnknown=1;K8S_POD_NAMESPACE=${opts.pod.namespace};K8S_POD_NAME=${opts.pod.name};K8S_POD_INFRA_CONTAINER_ID=${id};K8S_POD_UID=${opts.pod.uid}`
      : "";
    const out = await this.shell(id, hostname, [
      "set -e",
      'ip netns add "tug-$1"',
      ': > "$3"',
      'unshare --uts="$3" hostname "$4"',
      ': > "$5"',
      'unshare --ipc="$5" true',
      `cni loopback ADD lo ${shQuote(this.loopbackConfig)}`,
      `cni bridge ADD eth0 ${shQuote(this.bridgeConfig)}`,
      // The pod's sysctls, (path, value) pairs after the fifth argument, written in its namespaces.
      'ns=$2 ipc=$5; shift 5',
      'while [ $# -gt 1 ]; do nsenter --net="$ns" --ipc="$ipc" /bin/sh -c \'printf %s "$2" > "/proc/sys/$1"\' sh "$1" "$2" 2>/dev/null || { printf \'write sysctl "%s": failed\' "$1"; exit 4; }; shift 2; done',
      'printf %s "$out"',
    ], cniArgs, (opts.sysctls ?? []).flatMap((x) => [sysctlPath(x.name), x.value]));
    const result = JSON.parse(out) as CniResult;
    const address = result.ips?.[0]?.address;
    if (!address) throw new Error("CNI bridge returned no IP address");
    if (opts.portMappings?.length) await this.forwardPorts(id, opts.portMappings, result, cniArgs);
    return address.split("/")[0] as string;
  }

  /** Runs `portmap` ADD after the bridge, keeping its configuration (and so the bridge's result) for DEL. */
  private async forwardPorts(id: string, mappings: readonly PortMapping[], prevResult: CniResult, cniArgs: string): Promise<void> {
    const config = this.portmapConfig(id);
    mkdirSync(join(config, ".."), { recursive: true });
    writeFileSync(config, JSON.stringify({
      cniVersion: "1.0.0", name: "tugboat", type: "portmap", capabilities: { portMappings: true }, snat: true,
      runtimeConfig: {
        portMappings: mappings.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol.toLowerCase(), ...(m.hostIP ? { hostIP: m.hostIP } : {}) })),
      },
      prevResult,
    }));
    await this.shell(id, "", [`cni portmap ADD eth0 ${shQuote(config)}`], cniArgs);
  }

  /** The bridge's own address: the first of the subnet, the pods' gateway. */
  get gateway(): string {
    const [base, bits] = this.opts.subnet.split("/");
    const octets = base!.split(".").map(Number);
    octets[3] = octets[3]! + 1;
    return `${octets.join(".")}/${bits}`;
  }

  /**
   * Creates the node's bridge with its gateway address now rather than at the first pod (the CNI bridge
   * plugin takes it as it finds it), so the node's address on it answers before any pod runs.
   */
  async ensureBridge(): Promise<void> {
    const bridge = shQuote(this.opts.bridge);
    const r = await this.exec.run("/bin/sh", ["-c", [
      `ip link show ${bridge} > /dev/null 2>&1 || ip link add name ${bridge} type bridge`,
      `ip addr replace ${shQuote(this.gateway)} dev ${bridge}`,
      `ip link set ${bridge} up`,
    ].join(" && ")], process.env, 10_000);
    if (r.code !== 0) throw new Error(`creating bridge ${this.opts.bridge}: ${r.stderr.trim() || r.error || `exit status ${r.code}`}`);
  }

  /** Removes the node's bridge (when the node agent stops), so no stale route is left for its subnet. */
  async removeBridge(): Promise<void> {
    await this.exec.run("ip", ["link", "delete", this.opts.bridge], process.env, 10_000);
  }

  /** Removes the hostPort rules, releases the IP and removes the namespaces; safe to repeat and after a crash. */
  async teardown(id: string): Promise<void> {
    const portmap = this.portmapConfig(id);
    await this.shell(id, "", [
      `[ ! -e ${shQuote(portmap)} ] || CNI_COMMAND=DEL CNI_IFNAME=eth0 "$CNI_PATH/portmap" < ${shQuote(portmap)} > /dev/null 2>&1 || true`,
      `CNI_COMMAND=DEL CNI_IFNAME=eth0 "$CNI_PATH/bridge" < ${shQuote(this.bridgeConfig)} > /dev/null 2>&1 || true`,
      '[ ! -e "$2" ] || ip netns delete "tug-$1" 2>/dev/null || true',
      '[ ! -e "$3" ] || umount "$3" 2>/dev/null || true',
      'rm -f "$3"',
      '[ ! -e "$5" ] || umount "$5" 2>/dev/null || true',
      'rm -f "$5"',
    ]);
    rmSync(portmap, { force: true });
  }
}

/** `s` as one single-quoted shell word. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
