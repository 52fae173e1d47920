import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildOciImage, STATIC_BUSYBOX, type BuiltImage } from "../../node/runtime/containerd/oci-image.js";
import { containerdSkipReason, registrySkipReason, startRegistry, type TestRegistry } from "../../node/runtime/containerd/testing.js";
import { canIsolate, Cluster } from "./harness.js";

/**
 * The runtimes the seed replays run on, and what they need: on `process`, pods run the built-in stand-ins
 * of the seeds' images (src/node/runtime/process/demo-app.ts); on `containerd`, the same image names are
 * real OCI images built here from the host's static busybox, pushed to a registry of the test's own that
 * Tugboat's containerd uses as its docker.io mirror.
 */
export type SeedRuntime = "process" | "containerd";

/** Why the seed flows can't run on `runtime` here, or undefined. */
export function seedRuntimeSkip(runtime: SeedRuntime): string | undefined {
  return runtime === "containerd" ? containerdSkipReason() ?? registrySkipReason() : undefined;
}

/** Whether pod IPs answer from this process: every containerd pod, process pods with their own netns. */
export function podIPsAnswer(runtime: SeedRuntime): boolean {
  return runtime === "containerd" || canIsolate();
}

/** All of busybox's applets, as the busybox image has them. */
function busyboxApplets(): string[] {
  return execFileSync(STATIC_BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox");
}

/**
 * A web server image: busybox httpd on port 80 serving `page` as / and the pod's hostname as
 * /hostname.html. A shell is PID 1 and traps SIGTERM first thing, so SIGTERM stops the server at once, as
 * nginx does (httpd as PID 1 would ignore it and wait for the grace period's SIGKILL).
 */
function webImage(name: string, page: string, applets: string[], dir: string): Promise<BuiltImage> {
  return buildOciImage(name, {
    files: { "bin/busybox": STATIC_BUSYBOX },
    symlinks: Object.fromEntries(applets.map((a) => [`bin/${a}`, "busybox"])),
    dirs: ["tmp", "etc"],
    texts: { "www/index.html": page },
    config: {
      env: ["PATH=/bin"],
      entrypoint: ["/bin/sh", "-c", 'trap "exit 0" TERM; hostname > /www/hostname.html; httpd -f -p 80 -h /www & trap "kill $! 2>/dev/null; exit 0" TERM; wait'],
    },
  }, join(dir, name.replace(/[^a-z0-9]+/gi, "_")));
}

const NGINX_PAGE = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n";

/** What ikubernetes/myapp:<version> serves at / (and the process runtime's stand-in does too). */
export const myappPage = (version: string) => `Hello MyApp | Version: ${version} | <a href="hostname.html">Pod Name</a>\n`;

/**
 * Builds the images the Deployment and StatefulSet seeds run and pushes them under their docker.io names:
 * repositories in parallel, the tags of one repository one after another (the registry answers a blob
 * pushed twice at once with a 500).
 */
async function pushSeedImages(registry: TestRegistry, dir: string): Promise<void> {
  const applets = busyboxApplets();
  const pushAll = async (images: Array<[Promise<BuiltImage>, string]>) => {
    for (const [image, repoTag] of images) await registry.push(await image, repoTag);
  };
  const busybox = buildOciImage("busybox", {
    files: { "bin/busybox": STATIC_BUSYBOX },
    symlinks: Object.fromEntries(applets.map((a) => [`bin/${a}`, "busybox"])),
    dirs: ["tmp", "etc"],
    config: { env: ["PATH=/bin"], cmd: ["sh"] },
  }, join(dir, "busybox"));
  await Promise.all([
    pushAll(["v1", "v2", "v3"].map((v) => [webImage(`ikubernetes/myapp:${v}`, myappPage(v), applets, dir), `ikubernetes/myapp:${v}`])),
    pushAll(["1.18", "1.20.1"].map((v) => [webImage(`nginx:${v}`, NGINX_PAGE, applets, dir), `library/nginx:${v}`])),
    pushAll(["latest", "1.36", "1.37"].map((tag) => [busybox, `library/busybox:${tag}`])),
  ]);
}

/** A `tug up` for a seed replay on `runtime` (and, on containerd, the registry it pulls from). */
export interface SeedCluster {
  cluster: Cluster;
  stop(): Promise<void>;
}

export async function startSeedCluster(runtime: SeedRuntime, extraArgs: string[] = []): Promise<SeedCluster> {
  if (runtime === "process") {
    const cluster = await Cluster.start(["--runtime", "process", ...extraArgs]);
    return { cluster, stop: () => cluster.stop() };
  }
  const dir = mkdtempSync(join(tmpdir(), "tug-seed-images-"));
  let registry: TestRegistry | undefined;
  try {
    registry = await startRegistry(join(dir, "registry"));
    await pushSeedImages(registry, join(dir, "images"));
    const cluster = await Cluster.start(["--runtime", "containerd", "--registry-mirrors", `docker.io=http://${registry.host}`, ...extraArgs]);
    const started = registry;
    return {
      cluster,
      stop: async () => {
        await cluster.stop();
        await started.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
