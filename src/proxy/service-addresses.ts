import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { inCidr } from "../api/ipv4.js";

const run = promisify(execFile);

/**
 * The label the cluster IPs carry on the host's loopback device (kube-proxy's IPVS mode uses a dummy
 * device, kube-ipvs0; loopback needs no kernel module and is on every host).
 */
export const SERVICE_ADDRESS_LABEL = "lo:tugsvc";

/** True when this process may put cluster IPs on the host (Linux, root). */
export function canHostServiceIPs(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0;
}

/**
 * Keeps the cluster IPs of the services on the host's loopback (labelled, so only those are touched), so
 * the host owns them: connections from the host, and from pods through their bridge gateway, land on
 * the proxy's listeners. It removes only addresses it added, or — left behind by an earlier run — ones in
 * its cluster's service range: another cluster on the same host (another range) keeps its own.
 */
export class ServiceAddresses {
  /** Addresses this instance put on the device. */
  private readonly added = new Set<string>();
  /** What the last sync left on the device, so an unchanged set costs no `ip` call. */
  private applied: Set<string> | undefined;

  constructor(private readonly serviceCIDR?: string, private readonly label = SERVICE_ADDRESS_LABEL) {}

  async current(): Promise<Set<string>> {
    const { stdout } = await run("ip", ["-4", "-o", "addr", "show", "dev", "lo", "label", this.label]);
    return new Set([...stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)].map((m) => m[1]!));
  }

  /** Adds the wanted addresses and removes the others, in one `ip -batch`. */
  async sync(wanted: ReadonlySet<string>): Promise<void> {
    if (this.applied && this.applied.size === wanted.size && [...wanted].every((ip) => this.applied!.has(ip))) return;
    this.applied = undefined;
    const have = await this.current();
    const adding = [...wanted].filter((ip) => !have.has(ip));
    const ours = (ip: string) => this.added.has(ip) || (this.serviceCIDR !== undefined && inCidr(ip, this.serviceCIDR));
    const removing = [...have].filter((ip) => !wanted.has(ip) && ours(ip));
    const commands = [
      ...adding.map((ip) => `addr add ${ip}/32 dev lo label ${this.label}`),
      ...removing.map((ip) => `addr del ${ip}/32 dev lo label ${this.label}`),
    ];
    if (commands.length > 0) await this.batch(commands);
    for (const ip of adding) this.added.add(ip);
    for (const ip of removing) this.added.delete(ip);
    this.applied = new Set(wanted);
  }

  private batch(commands: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const child = spawn("ip", ["-force", "-batch", "-"], { stdio: ["pipe", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch failed: ${stderr.trim()}`))));
      child.stdin.end(commands.join("\n") + "\n");
    });
  }
}
