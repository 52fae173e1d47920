import { execFile, execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
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
  const applets = ["sh", "sleep", "httpd", "echo", "cat", "ls", "hostname", "wget", "true", "false", "kill", "env", "id", "head", "tr"];
  return buildOciImage(name, {
    files: { "bin/busybox": STATIC_BUSYBOX },
    symlinks: Object.fromEntries(applets.map((a) => [`bin/${a}`, "busybox"])),
    dirs: ["tmp", "etc"],
    texts: { "www/index.html": index },
    config: { env: ["PATH=/bin"], ...config },
  }, join(dir, name.replace(/[^a-z0-9]+/gi, "_")));
}

/** A registry (Debian's docker-registry) on 127.0.0.1 that tests push their images to. */
export interface TestRegistry {
  /** host:port, as image references name it. */
  host: string;
  /** Pushes a built image as `<host>/<repoTag>` (skopeo copy from its OCI layout, with the registry's user if it has one). */
  push(image: BuiltImage, repoTag: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why a registry can't be started here, or undefined. */
export function registrySkipReason(): string | undefined {
  for (const bin of ["docker-registry", "skopeo", "htpasswd"]) if (!onPath(bin)) return `no ${bin} on PATH (Debian: apt-get install docker-registry skopeo apache2-utils)`;
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on("error", reject);
  });
}

/**
 * Starts docker-registry with its storage under `dir`, on a free port, and waits for its /v2/; with `user`,
 * it takes only that user (htpasswd, bcrypt, as the registry wants it).
 */
export async function startRegistry(dir: string, user?: { name: string; password: string }): Promise<TestRegistry> {
  mkdirSync(join(dir, "storage"), { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, "config.yml");
  let auth = "";
  if (user) {
    writeFileSync(join(dir, "htpasswd"), execFileSync("htpasswd", ["-Bbn", user.name, user.password], { encoding: "utf8" }));
    auth = `auth:\n  htpasswd:\n    realm: tugboat-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "storage")}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${auth}`);
  const fd = openSync(join(dir, "registry.log"), "a");
  const child = spawn("docker-registry", ["serve", config], { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once("exit", () => {
    exited = true;
    resolve();
  }));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok || r.status === 401, () => false);
    if (ok) break;
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`docker-registry did not start on ${host}: ${readFileSync(join(dir, "registry.log"), "utf8").trim().split("\n").slice(-2).join(" | ")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const run = promisify(execFile);
  return {
    host,
    push: async (image, repoTag) => {
      const creds = user ? ["--dest-creds", `${user.name}:${user.password}`] : [];
      await run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", ...creds, `oci:${image.layoutDir}`, `docker://${host}/${repoTag}`], { timeout: 60_000 });
    },
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
