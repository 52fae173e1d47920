import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { ImageSpec } from "../runtime.js";

/** An image reference split the way registries do: `registry/repo:tag`, Docker Hub's library implied. */
export interface ImageRef {
  repository: string;
  tag: string;
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.split("@")[0] as string;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  let tag = "latest";
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  rest = rest.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "").replace(/^library\//, "");
  return { repository: rest, tag };
}

interface Demo {
  flavor: string;
  port: number;
  version: (tag: string) => string;
}

const asIs = (tag: string) => tag;
const DEMOS: Record<string, Demo> = {
  "ikubernetes/myapp": { flavor: "myapp", port: 80, version: asIs },
  "ikubernetes/demoapp": { flavor: "demoapp", port: 80, version: asIs },
  nginx: { flavor: "nginx", port: 80, version: (t) => (/^\d+\.\d+$/.test(t) ? `${t}.0` : t === "latest" ? "1.27.0" : t) },
  "registry.cn-beijing.aliyuncs.com/chester-k8s/oneapi": { flavor: "oneapi", port: 5000, version: asIs },
  "registry.cn-beijing.aliyuncs.com/chester-k8s/twoapi": { flavor: "twoapi", port: 5001, version: asIs },
};

/** Images that run the host's busybox (or its shell and coreutils when busybox is missing). */
const BUSYBOX_IMAGES = new Set(["busybox", "alpine", "debian", "ubuntu"]);
const PAUSE_IMAGES = new Set(["registry.k8s.io/pause", "k8s.gcr.io/pause", "pause"]);

export interface CatalogOptions {
  /** The compiled demo-app.js (default: the one beside this module). */
  demoAppPath?: string;
  /** The host's busybox binary (default: found in /usr/bin or /bin). */
  busybox?: string;
  /**
   * Where the busybox applets are linked (`nslookup` → busybox …), first on busybox images' PATH as in
   * the real image's /bin, so a shell script finds them. Absent: only the first command is an applet.
   */
  appletDir?: string;
  /** A YAML list of user images: `- image: name:tag` with command, args, env (map) and workingDir. */
  userImagesFile?: string;
}

interface UserImage {
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** The image's USER (`uid` or `uid:gid`); absent: root. */
  user?: string;
}

/**
 * The process runtime's image catalog (see ARCHITECTURE.md): built-in demo images, busybox-like images
 * backed by the host's tools, the pause image, and user-registered images. Anything else does not exist.
 */
export class ImageCatalog {
  private readonly demoAppPath: string;
  private readonly busybox?: string;

  constructor(private readonly opts: CatalogOptions = {}) {
    this.demoAppPath = opts.demoAppPath ?? fileURLToPath(new URL("./demo-app.js", import.meta.url));
    this.busybox = opts.busybox ?? ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p));
  }

  private userImages(): UserImage[] {
    const file = this.opts.userImagesFile;
    if (!file || !existsSync(file)) return [];
    const parsed: unknown = parse(readFileSync(file, "utf8"));
    return Array.isArray(parsed) ? (parsed as UserImage[]).filter((u) => typeof u?.image === "string") : [];
  }

  /** What the image runs, or undefined when the catalog has no such image. */
  resolve(ref: string): ImageSpec | undefined {
    const { repository, tag } = parseImageRef(ref);
    const user = this.userImages().find((u) => {
      const r = parseImageRef(u.image);
      return r.repository === repository && r.tag === tag;
    });
    if (user) {
      return { entrypoint: user.command ?? [], cmd: user.args ?? [], env: { ...user.env }, workingDir: user.workingDir, ...(user.user !== undefined ? { user: String(user.user) } : {}) };
    }
    const demo = DEMOS[repository];
    if (demo) {
      return {
        entrypoint: [process.execPath, this.demoAppPath], cmd: [],
        env: { TUG_DEMO_FLAVOR: demo.flavor, TUG_DEMO_VERSION: demo.version(tag), TUG_DEMO_IMAGE: `${repository}:${tag}`, PORT: String(demo.port) },
      };
    }
    if (BUSYBOX_IMAGES.has(repository)) {
      const dir = this.appletDir();
      return { entrypoint: [], cmd: ["sh"], env: dir ? { PATH: `${dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` } : {} };
    }
    if (PAUSE_IMAGES.has(repository)) return { entrypoint: ["sleep", "infinity"], cmd: [], env: {} };
    return undefined;
  }

  /**
   * The argv to execute for a container of `ref`: for busybox-like images, applets (`sh`, `/bin/sleep`,
   * `httpd`…) run through the host's busybox when there is one; everything else as given.
   */
  argvFor(ref: string, argv: string[]): string[] {
    const bb = this.busybox;
    const first = argv[0];
    if (!BUSYBOX_IMAGES.has(parseImageRef(ref).repository) || !bb || first === undefined) return argv;
    const applet = first.split("/").pop() as string;
    return busyboxApplets(bb).has(applet) ? [bb, applet, ...argv.slice(1)] : argv;
  }

  /** The applet links, made once (undefined without busybox or an appletDir). */
  private appletDir(): string | undefined {
    const { appletDir } = this.opts;
    if (!appletDir || !this.busybox) return undefined;
    if (!existsSync(join(appletDir, "sh"))) {
      mkdirSync(appletDir, { recursive: true });
      for (const applet of busyboxApplets(this.busybox)) {
        const link = join(appletDir, applet);
        if (!existsSync(link)) symlinkSync(this.busybox, link);
      }
    }
    return appletDir;
  }

  static imageId(ref: string, spec: ImageSpec): string {
    return `sha256:${createHash("sha256").update(JSON.stringify([parseImageRef(ref), spec])).digest("hex")}`;
  }
}

const appletCache = new Map<string, Set<string>>();
function busyboxApplets(bb: string): Set<string> {
  let set = appletCache.get(bb);
  if (!set) {
    // busybox --list prints one applet a line; read lazily once per binary.
    const listed = spawnSync(bb, ["--list"], { encoding: "utf8" });
    set = new Set(listed.status === 0 ? listed.stdout.split("\n").filter(Boolean) : []);
    appletCache.set(bb, set);
  }
  return set;
}

