import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { connectCri, CriError, RuntimeUnavailableError, type CriClient, type RuntimeVersion } from "./cri-client.js";
import { buildOciImage, pauseImageContents } from "./oci-image.js";

/**
 * A containerd of Tugboat's own, for a node agent given no --container-runtime-endpoint: its root, state,
 * socket and CNI configuration live under the agent's data dir, its CRI plugin networks pods with the
 * standard CNI plugins (bridge + host-local on the node's pod CIDR, as the process runtime does), and its
 * sandbox image is built here from the host's static busybox and imported, never pulled.
 */

const run = promisify(execFile);

/** The sandbox image Tugboat builds and imports into its containerd (the CRI plugin's sandbox_image). */
export const PAUSE_IMAGE = "tugboat.local/pause:1";
/** The containerd namespace the CRI plugin keeps Kubernetes' images and containers in. */
export const CRI_NAMESPACE = "k8s.io";

export interface ContainerdDaemonOptions {
  /** Where the daemon keeps everything (root, state, socket, config, CNI conf, log). */
  dir: string;
  /** The node's pod CIDR and bridge device, for the CNI configuration. */
  podCIDR: string;
  bridge: string;
  /** Where the CNI plugins live (Debian: /usr/lib/cni). */
  cniBinDir: string;
  /**
   * Registry host → endpoints to pull its images from (`docker.io` → [`http://127.0.0.1:5000`]); an
   * endpoint's own host is then reachable by plain http as well.
   */
  registryMirrors?: Record<string, string[]>;
  /** Start-up timeout; default 30 s. */
  timeoutMs?: number;
}

/** True when `name` is an executable on PATH. */
export function onPath(name: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, name)));
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** The registries section: each mirrored host, and each mirror's own host, by the endpoints given. */
function registryConfig(mirrors: Record<string, string[]>): string {
  const hosts = new Map<string, string[]>(Object.entries(mirrors));
  for (const endpoints of Object.values(mirrors)) {
    for (const e of endpoints) {
      const host = new URL(e).host;
      if (!hosts.has(host)) hosts.set(host, [e]);
    }
  }
  return [...hosts].map(([host, endpoints]) =>
    `[plugins."io.containerd.grpc.v1.cri".registry.mirrors.${tomlString(host)}]\n  endpoint = [${endpoints.map(tomlString).join(", ")}]\n`).join("");
}

/** containerd's configuration (version 2, as containerd 1.6 and 1.7 read it). */
export function containerdConfig(opts: ContainerdDaemonOptions): string {
  const d = opts.dir;
  return `version = 2
root = ${tomlString(join(d, "root"))}
state = ${tomlString(join(d, "state"))}
oom_score = 0

[grpc]
  address = ${tomlString(join(d, "containerd.sock"))}

[ttrpc]
  address = ${tomlString(join(d, "containerd.sock.ttrpc"))}

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = ${tomlString(join(d, "opt"))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${tomlString(PAUSE_IMAGE)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # A pod's processes never get a lower OOM score than containerd itself (which may not lower its own).
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  # runc's own state under this containerd's, not the host-wide /run/containerd/runc.
  Root = ${tomlString(join(d, "state", "runc"))}

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = ${tomlString(opts.cniBinDir)}
  conf_dir = ${tomlString(join(d, "cni", "net.d"))}
  max_conf_num = 1

${registryConfig(opts.registryMirrors ?? {})}`;
}

/** The CNI network the CRI plugin gives each sandbox: the node's bridge, host-local on its pod CIDR, hostPorts. */
export function cniConfList(opts: Pick<ContainerdDaemonOptions, "dir" | "podCIDR" | "bridge">): string {
  return JSON.stringify({
    cniVersion: "1.0.0", name: "tugboat",
    plugins: [
      {
        type: "bridge", bridge: opts.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: opts.podCIDR }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(opts.dir, "cni", "ipam") },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

function lastLines(file: string, n: number): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-n).join(" | ");
  } catch {
    return "";
  }
}

export class ContainerdDaemon {
  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly endpoint: string,
    readonly client: CriClient,
    readonly version: RuntimeVersion,
    private readonly exited: Promise<void>,
  ) {}

  get socket(): string {
    return join(this.dir, "containerd.sock");
  }

  /**
   * Starts containerd, waits until its CRI answers, and imports the sandbox image. A containerd a previous
   * run left on the same directory (the agent was killed) is stopped first; the containers' shims outlive
   * both, and the new containerd finds them again.
   */
  static async start(opts: ContainerdDaemonOptions): Promise<ContainerdDaemon> {
    if (!onPath("containerd")) throw new RuntimeUnavailableError("containerd is not installed (no containerd on PATH): install it (Debian: apt-get install containerd runc) or give --container-runtime-endpoint");
    if (!onPath("runc")) throw new RuntimeUnavailableError("runc is not installed (no runc on PATH): install it (Debian: apt-get install runc)");
    if (!readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => / - cgroup2? /.test(l))) {
      throw new RuntimeUnavailableError("no cgroup hierarchy is mounted at /sys/fs/cgroup, which runc needs (`ip netns exec` mounts a fresh /sys without them)");
    }
    const d = opts.dir;
    mkdirSync(join(d, "cni", "net.d"), { recursive: true });
    writeFileSync(join(d, "cni", "net.d", "10-tugboat.conflist"), cniConfList(opts));
    const configFile = join(d, "config.toml");
    await stopDaemons(configFile);
    rmSync(join(d, "containerd.sock"), { force: true });
    writeFileSync(configFile, containerdConfig(opts));
    const logFile = join(d, "containerd.log");
    const fd = openSync(logFile, "a");
    // A process group of its own: a Ctrl-C at the terminal reaches the agent, which decides what stops.
    const child = spawn("containerd", ["--config", configFile], { stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    let gone = false;
    const exited = new Promise<void>((resolve) => child.once("exit", () => {
      gone = true;
      resolve();
    }));
    child.once("error", () => undefined);
    const socket = join(d, "containerd.sock");
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let lastError = "";
    while (Date.now() < deadline) {
      if (gone) throw new RuntimeUnavailableError(`containerd exited at start-up: ${lastLines(logFile, 3) || "no output"}`);
      if (existsSync(socket)) {
        try {
          const { client, version } = await connectCri(socket, { timeoutMs: 2000 });
          const daemon = new ContainerdDaemon(child, d, client.endpoint, client, version, exited);
          await daemon.importImage(await buildOciImage(PAUSE_IMAGE, pauseImageContents(), join(d, "images", "pause")).then((i) => i.archive));
          return daemon;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
          // The CRI plugin answers before it has recovered the sandboxes and containers of a previous run.
          const recovering = err instanceof CriError && /not initialized yet/.test(err.details);
          if (!(err instanceof RuntimeUnavailableError) && !recovering) {
            child.kill("SIGKILL");
            throw err;
          }
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    throw new RuntimeUnavailableError(`containerd did not answer on ${socket} within ${(opts.timeoutMs ?? 30_000) / 1000}s: ${lastError || lastLines(logFile, 3)}`);
  }

  /** Imports an image archive (OCI layout tar) into the CRI plugin's namespace, unpacked for its snapshotter. */
  async importImage(archive: string): Promise<void> {
    await run("ctr", ["--address", this.socket, "--namespace", CRI_NAMESPACE, "images", "import", "--no-unpack=false", archive], { timeout: 60_000 });
  }

  /**
   * Stops the daemon (SIGTERM, then SIGKILL after `graceMs`) and, unless `keepContainers`, the shims it
   * left, which serve the containers of its socket and would otherwise outlive it (a containerd started
   * again on the same directory finds them).
   */
  async stop(graceMs = 10_000, keepContainers = false): Promise<void> {
    this.client.close();
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
    if (!keepContainers) killShims(this.socket);
  }
}

/** Every process's id and command line (argv), from /proc; processes gone meanwhile are skipped. */
function* commandLines(): Generator<{ pid: number; argv: string[] }> {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      yield { pid: Number(pid), argv: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") };
    } catch {
      continue;
    }
  }
}

/** The processes whose command line has `name` as its program's file name and `arg` among its arguments. */
function processesWith(name: string, arg: string): number[] {
  const found: number[] = [];
  for (const { pid, argv } of commandLines()) if ((argv[0] ?? "").split("/").pop() === name && argv.includes(arg)) found.push(pid);
  return found;
}

/** Stops the containerd daemons running with `configFile` (SIGTERM, SIGKILL after `graceMs`) and waits until they are gone. */
async function stopDaemons(configFile: string, graceMs = 10_000): Promise<void> {
  const pids = processesWith("containerd", configFile);
  const signal = (pid: number, sig: NodeJS.Signals | 0) => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  let alive = pids;
  while ((alive = alive.filter((pid) => signal(pid, 0) && !isZombie(pid))).length > 0) {
    if (Date.now() > deadline) for (const pid of alive) signal(pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, ")"));
  } catch {
    return true;
  }
}

/** Kills the containerd-shim processes started for the daemon at `socket` (found by their -address argument). */
export function killShims(socket: string): number {
  let killed = 0;
  for (const { pid, argv } of commandLines()) {
    if (!(argv[0] ?? "").includes("containerd-shim")) continue;
    const i = argv.indexOf("-address");
    if (i >= 0 && argv[i + 1] === socket) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // gone already
      }
    }
  }
  return killed;
}
