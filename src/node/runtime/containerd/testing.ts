import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { onPath } from "./daemon.js";
import { buildOciImage, STATIC_BUSYBOX, type BuiltImage, type ImageConfig } from "./oci-image.js";

/**
 * What tests of the containerd runtime need from the machine, and the images they run: single-layer
 * images of the host's static busybox (a shell, sleep, httpd), built here, never downloaded.
 */

/** Why containerd tests can't run on this machine, or undefined when they can. */
export function containerdSkipReason(): string | undefined {
  if (process.platform !== "linux") return "containerd tests need Linux";
  if (process.getuid?.() !== 0) return "containerd tests need root (containerd, runc and CNI do)";
  for (const bin of ["containerd", "runc", "ctr"]) if (!onPath(bin)) return `containerd is not installed (no ${bin} on PATH; Debian: apt-get install containerd runc)`;
  if (!existsSync(STATIC_BUSYBOX)) return `no static busybox at ${STATIC_BUSYBOX} (Debian: apt-get install busybox-static)`;
  if (!existsSync("/usr/lib/cni/bridge")) return "no CNI plugins in /usr/lib/cni (Debian: apt-get install containernetworking-plugins)";
  return cgroupsMountedOrMountable();
}

function hasCgroupMounts(): boolean {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => / - cgroup2? /.test(l));
}

/**
 * `ip netns exec` gives its command a fresh /sys without the cgroup hierarchies, which runc needs. In such
 * a mount namespace of its own (never the host's), mount the cgroup v1 hierarchies again.
 */
function cgroupsMountedOrMountable(): string | undefined {
  if (hasCgroupMounts()) return undefined;
  // Only inside `ip netns exec <name>` (its mount namespace is the command's own): never on a host.
  let netns = "";
  try {
    netns = execFileSync("ip", ["netns", "identify", String(process.pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // no ip, or not in a named network namespace
  }
  if (!netns) return "no cgroup hierarchy is mounted at /sys/fs/cgroup";
  const controllers = readFileSync("/proc/cgroups", "utf8").split("\n").slice(1).map((l) => l.split("\t")).filter((f) => f[3] === "1" && f[1] !== "0").map((f) => f[0]!);
  const script = [
    "mount -t tmpfs cgroup_root /sys/fs/cgroup",
    ...controllers.map((c) => `mkdir -p /sys/fs/cgroup/${c} && mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`),
    "mkdir -p /sys/fs/cgroup/systemd && mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd",
  ].join(" && ");
  try {
    execFileSync("/bin/sh", ["-c", script], { stdio: "pipe" });
  } catch (err) {
    return `cannot mount the cgroup hierarchies: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  }
  return hasCgroupMounts() ? undefined : "no cgroup hierarchy is mounted at /sys/fs/cgroup";
}

/** A busybox image: `/bin/sh`, `/bin/sleep`, `/bin/httpd`… (links to busybox), and /www with an index page. */
export function busyboxImage(name: string, dir: string, config: ImageConfig = {}, index = "hello from tugboat\n"): Promise<BuiltImage> {
  const applets = ["sh", "sleep", "httpd", "echo", "cat", "ls", "hostname", "wget", "true", "false", "kill", "env", "id"];
  return buildOciImage(name, {
    files: { "bin/busybox": STATIC_BUSYBOX },
    symlinks: Object.fromEntries(applets.map((a) => [`bin/${a}`, "busybox"])),
    dirs: ["tmp", "etc"],
    texts: { "www/index.html": index },
    config: { env: ["PATH=/bin"], ...config },
  }, join(dir, name.replace(/[^a-z0-9]+/gi, "_")));
}
