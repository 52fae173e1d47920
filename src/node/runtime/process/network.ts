import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

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
}

interface CniResult {
  ips?: Array<{ address: string }>;
}

/**
 * A pod's own network and UTS namespaces, wired with the standard CNI plugins: `loopback` for lo and
 * `bridge` + `host-local` for eth0, so the pod has an IP on the node's bridge that the host can reach.
 * The namespaces are bind-mounted to files, so they outlive any one process of the pod.
 */
export class CniNetwork {
  constructor(private readonly opts: CniOptions) {
    mkdirSync(this.utsDir, { recursive: true });
  }

  private get utsDir(): string {
    return join(this.opts.stateDir, "uts");
  }

  namespaces(id: string): PodNamespaces {
    return { netns: `/run/netns/tug-${id}`, uts: join(this.utsDir, id) };
  }

  private bridgeConfig(): object {
    return {
      cniVersion: "1.0.0", name: "tugboat", type: "bridge", bridge: this.opts.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: "host-local", ranges: [[{ subnet: this.opts.subnet }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(this.opts.stateDir, "ipam") },
    };
  }

  private async plugin(type: string, command: "ADD" | "DEL", id: string, ifname: string, config: object): Promise<CniResult> {
    const env = {
      ...process.env, CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: this.namespaces(id).netns, CNI_IFNAME: ifname, CNI_PATH: this.opts.cniPath,
    };
    const child = execFile(join(this.opts.cniPath, type), { env, timeout: 20_000 });
    const output = new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) return resolve(out);
        let msg = out.trim();
        try {
          const parsed = JSON.parse(out) as { msg?: string; details?: string };
          msg = [parsed.msg, parsed.details].filter(Boolean).join(": ");
        } catch { /* plain text */ }
        reject(new Error(`plugin type="${type}" failed (${command.toLowerCase()}): ${msg || `exit status ${code}`}`));
      });
    });
    child.stdin?.end(JSON.stringify(config));
    const text = await output;
    return text.trim() ? (JSON.parse(text) as CniResult) : {};
  }

  /** Creates the namespaces, sets the hostname and attaches the pod to the bridge; returns its IP. */
  async setup(id: string, hostname: string): Promise<string> {
    const ns = this.namespaces(id);
    await run("ip", ["netns", "add", `tug-${id}`]);
    writeFileSync(ns.uts, "");
    await run("unshare", [`--uts=${ns.uts}`, "hostname", hostname]);
    await this.plugin("loopback", "ADD", id, "lo", { cniVersion: "1.0.0", name: "tugboat-lo", type: "loopback" });
    const result = await this.plugin("bridge", "ADD", id, "eth0", this.bridgeConfig());
    const address = result.ips?.[0]?.address;
    if (!address) throw new Error("CNI bridge returned no IP address");
    return address.split("/")[0] as string;
  }

  /** Releases the IP and removes the namespaces; safe to repeat and after a crash. */
  async teardown(id: string): Promise<void> {
    const ns = this.namespaces(id);
    await this.plugin("bridge", "DEL", id, "eth0", this.bridgeConfig()).catch(() => undefined);
    if (existsSync(ns.netns)) await run("ip", ["netns", "delete", `tug-${id}`]).catch(() => undefined);
    if (existsSync(ns.uts)) {
      await run("umount", [ns.uts]).catch(() => undefined);
      rmSync(ns.uts, { force: true });
    }
  }
}
