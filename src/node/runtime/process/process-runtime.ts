import { resolveContainerPath } from "./container-path.js";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import type { Readable } from "node:stream";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { CriLogWriter } from "../logs.js";
import {
  ImagePullError, type ContainerConfig, type ContainerStatus, type ExecResult, type Image, type Runtime, type Sandbox, type SandboxConfig,
} from "../runtime.js";
import { ImageCatalog } from "./catalog.js";
import { execArgv, launchArgv, pathMounts } from "./launch.js";
import { CniNetwork } from "./network.js";
import type { CpuCgroups } from "./cgroups.js";
import { ProcessStreams } from "./streams.js";
import { hostTool } from "./host-tool.js";

export interface ProcessRuntimeOptions {
  /** Where sandboxes are recorded, so a restarted agent can clean up after a crash. */
  stateDir: string;
  catalog: ImageCatalog;
  /** The node's own IP: the pod IP of pods on the host network. */
  hostIP: string;
  /** When set (root on Linux), pods get their own network, UTS and mount namespaces. */
  network?: CniNetwork;
  /** When set (root, cgroup v1), pods run in CPU cgroups weighted by their requests, as under the kubelet. */
  cgroups?: CpuCgroups;
  log?: (entry: Record<string, unknown>) => void;
}

interface Proc {
  status: ContainerStatus;
  config: ContainerConfig;
  child?: ChildProcess;
  exited: Promise<void>;
  markExited: () => void;
}

/** How long an exit waits for the container's output to reach its log. */
const LOG_DRAIN_MS = 1000;

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The `process` runtime: each container is a real OS process in its own process group, with the parent
 * death signal set so none outlives the agent. As root, a pod's containers share the pod's network and UTS
 * namespaces (CNI bridge, hostname = pod name; not for hostNetwork pods) and each gets a private mount
 * namespace with its volumes and private /tmp, run as its securityContext says (launch.ts); otherwise pods
 * share the host network and run as the agent's user.
 */
export class ProcessRuntime implements Runtime {
  readonly name = "process";
  readonly version = "tugboat-process://0.1.0";
  private readonly images = new Map<string, Image>();
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly procs = new Map<string, Proc>();
  private readonly listeners: Array<(s: ContainerStatus) => void> = [];
  private readonly sandboxDir: string;
  /** Where containers stage their mounts (launch.ts), each on its own tmpfs in its own mount namespace. */
  private readonly stageDir: string;
  readonly streaming = new ProcessStreams({
    container: (id) => {
      const p = this.procs.get(id);
      return p && {
        state: p.status.state, pid: p.child?.pid, env: p.config.env, workingDir: p.config.workingDir,
        command: (argv) => this.execCommand(p, argv), namespaced: this.opts.network !== undefined && p.child?.pid !== undefined,
      };
    },
    netns: (id) => (this.isolated(id) ? this.opts.network!.namespaces(id).netns : undefined),
    input: (id) => {
      const p = this.procs.get(id);
      const stdin = p?.status.state === "running" ? p.child?.stdin : undefined;
      if (!p || !stdin || stdin.writableEnded) return undefined;
      return { write: (data) => void stdin.write(data), detach: () => void (p.config.stdinOnce && stdin.end()) };
    },
  });

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.sandboxDir = join(opts.stateDir, "sandboxes");
    this.stageDir = join(opts.stateDir, "stage");
    mkdirSync(this.sandboxDir, { recursive: true });
  }

  /** Tears down sandboxes a previous run left behind (its processes died with it). */
  async cleanUpLeftovers(): Promise<number> {
    const files = readdirSync(this.sandboxDir).filter((f) => f.endsWith(".json"));
    for (const f of files) {
      const id = f.slice(0, -5);
      await this.opts.network?.teardown(id);
      rmSync(join(this.sandboxDir, f), { force: true });
    }
    this.opts.cgroups?.cleanUp();
    return files.length;
  }

  async pullImage(ref: string): Promise<Image> {
    const spec = this.opts.catalog.resolve(ref);
    if (!spec) {
      throw new ImagePullError(`failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`);
    }
    const entry = spec.entrypoint[0] === process.execPath ? spec.entrypoint[1] : undefined;
    const image: Image = { ...spec, ref, id: ImageCatalog.imageId(ref, spec), size: entry && existsSync(entry) ? statSync(entry).size : 0 };
    this.images.set(ref, image);
    return image;
  }

  imageStatus(ref: string): Image | undefined {
    return this.images.get(ref);
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const id = randomBytes(6).toString("hex");
    const isolate = this.opts.network !== undefined && !config.hostNetwork;
    writeFileSync(join(this.sandboxDir, `${id}.json`), JSON.stringify(config));
    if (config.resources) this.opts.cgroups?.createPod(config.uid, config.resources);
    let ip = this.opts.hostIP;
    if (isolate) {
      try {
        ip = await this.opts.network!.setup(id, config.hostname, {
          portMappings: config.portMappings, pod: { namespace: config.namespace, name: config.name, uid: config.uid }, sysctls: config.sysctls,
        });
      } catch (err) {
        await this.opts.network!.teardown(id);
        if (config.resources) this.opts.cgroups?.removePod(config.uid, config.resources.qosClass);
        rmSync(join(this.sandboxDir, `${id}.json`), { force: true });
        throw err;
      }
    }
    const sandbox: Sandbox = { id, config, ip, sharesHostNetwork: !config.hostNetwork && !isolate, createdAt: Date.now() };
    this.sandboxes.set(id, sandbox);
    return sandbox;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await Promise.all(this.listContainers(id).map((c) => this.stopContainer(c.id, 0)));
    if (this.sandboxes.has(id)) await this.opts.network?.teardown(id);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const c of this.listContainers(id)) await this.removeContainer(c.id);
    const config = this.sandboxes.get(id)?.config;
    if (config?.resources) this.opts.cgroups?.removePod(config.uid, config.resources.qosClass);
    this.sandboxes.delete(id);
    rmSync(join(this.sandboxDir, `${id}.json`), { force: true });
  }

  listPodSandboxes(): Sandbox[] {
    return [...this.sandboxes.values()];
  }

  private isolated(sandboxId: string): boolean {
    const s = this.sandboxes.get(sandboxId);
    return this.opts.network !== undefined && s !== undefined && !s.config.hostNetwork;
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new Error(`sandbox ${sandboxId} not found`);
    const id = randomBytes(16).toString("hex");
    mkdirSync(dirname(config.logPath), { recursive: true });
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    this.procs.set(id, {
      status: { id, sandboxId, name: config.name, attempt: config.attempt, image: config.image, state: "created", createdAt: Date.now(), logPath: config.logPath },
      config, exited, markExited,
    });
    return id;
  }

  /** Finds argv[0] as exec(3) would: on PATH, or as a path (through the container's mounts). */
  private lookPath(argv0: string, env: Record<string, string>, cwd: string, mountsFor: (p: string) => string): string | undefined {
    if (argv0.includes("/")) {
      const p = mountsFor(isAbsolute(argv0) ? argv0 : resolve(cwd, argv0));
      return isExecutable(p) ? argv0 : undefined;
    }
    for (const dir of (env.PATH ?? DEFAULT_PATH).split(":")) if (dir && isExecutable(join(mountsFor(dir), argv0))) return argv0;
    return undefined;
  }

  private fail(p: Proc, exitCode: number, reason: string, message: string): void {
    const now = Date.now();
    Object.assign(p.status, { state: "exited", startedAt: p.status.startedAt ?? now, finishedAt: now, exitCode, reason, message });
    p.markExited();
    for (const l of this.listeners) l(p.status);
  }

  async startContainer(id: string): Promise<void> {
    const p = this.procs.get(id);
    if (!p) throw new Error(`container ${id} not found`);
    if (p.status.state !== "created") throw new Error(`container ${id} is ${p.status.state}`);
    const { config } = p;
    const isolated = this.isolated(p.status.sandboxId);
    // As root every container gets its own mount namespace (hostNetwork pods too); its pod's network
    // and UTS namespaces unless it is on the host network.
    const namespaced = this.opts.network !== undefined;
    const env = { PATH: DEFAULT_PATH, ...config.env };
    const argv = this.opts.catalog.argvFor(config.image.ref, config.argv);
    const mounts = namespaced ? [...config.mounts, ...pathMounts(env.PATH, config.mounts, existsSync, argv)] : [];
    const mountsFor = (path: string) => {
      const m = mounts.find((x) => path === x.containerPath || path.startsWith(`${x.containerPath.replace(/\/$/, "")}/`));
      return m ? join(m.hostPath, path.slice(m.containerPath.length)) : path;
    };
    const cwd = config.workingDir ?? "/";
    const logs = new CriLogWriter(config.logPath);
    const startError = (msg: string) => {
      const message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${msg}: unknown`;
      logs.note(message);
      logs.close();
      this.fail(p, 128, "StartError", message);
    };
    if (argv.length === 0) return startError("error during container init: no command specified");
    if (!existsSync(mountsFor(cwd))) return startError(`error during container init: chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`);
    if (!this.lookPath(argv[0] as string, env, cwd, mountsFor)) {
      return startError(`exec: "${argv[0]}": ${(argv[0] as string).includes("/") ? "stat " + argv[0] + ": no such file or directory" : "executable file not found in $PATH"}`);
    }

    let command = argv;
    let spawnCwd = mountsFor(cwd);
    if (namespaced) {
      mkdirSync(this.stageDir, { recursive: true });
      command = launchArgv({
        argv, cwd, namespaces: isolated ? this.opts.network!.namespaces(p.status.sandboxId) : undefined, stageDir: this.stageDir,
        mounts: mounts.map((m) => ({ ...m, containerPath: resolveContainerPath(m.containerPath), file: statSync(m.hostPath, { throwIfNoEntry: false })?.isFile() ?? false })),
        security: config.security, tool: hostTool, readyFd: 3,
      });
      spawnCwd = "/";
    }
    // In namespaces, the launch script writes a line to fd 3 once the container's mounts are in place: only
    // then is it running (an exec before would enter a half-made mount namespace).
    const child = spawn(hostTool("setpriv"), ["--pdeathsig", "KILL", "--", ...command], {
      cwd: spawnCwd, env, detached: true, stdio: [config.stdin ? "pipe" : "ignore", "pipe", "pipe", namespaced ? "pipe" : "ignore"],
    });
    p.child = child;
    // A container that exits (or ends its input) before anyone writes leaves an EPIPE behind: no error.
    child.stdin?.on("error", () => undefined);
    logs.attach(child.stdout!, "stdout");
    logs.attach(child.stderr!, "stderr");
    const launched = new Promise<void>((resolveLaunched) => {
      const fd3 = child.stdio[3] as Readable | null | undefined;
      if (!fd3) return resolveLaunched();
      fd3.once("data", () => resolveLaunched());
      fd3.once("close", () => resolveLaunched());
      fd3.once("error", () => resolveLaunched());
    });
    await new Promise<void>((resolveStart) => {
      child.once("spawn", () => {
        const pod = this.sandboxes.get(p.status.sandboxId)?.config;
        if (pod?.resources && child.pid !== undefined) this.opts.cgroups?.addProcess(pod.uid, pod.resources.qosClass, child.pid);
        void launched.then(() => {
          if (p.status.state === "created") Object.assign(p.status, { state: "running", startedAt: Date.now() });
          resolveStart();
        });
      });
      child.once("error", (err) => {
        this.fail(p, 128, "StartError", err.message);
        resolveStart();
      });
      child.once("exit", (code, signal) => {
        const exitCode = code ?? 128 + (signal ? osConstants.signals[signal] : 0);
        const finishedAt = Date.now();
        // As containerd reports an exit once the task's output is copied: the kubelet reads the end of the
        // log for a termination message (FallbackToLogsOnError). A descendant holding the pipes open
        // delays the report by a second at most.
        void Promise.race([logs.closed, new Promise((r) => setTimeout(r, LOG_DRAIN_MS).unref())]).then(() => {
          Object.assign(p.status, { state: "exited", startedAt: p.status.startedAt ?? finishedAt, finishedAt, exitCode, reason: exitCode === 0 ? "Completed" : "Error" });
          p.child = undefined;
          p.markExited();
          for (const l of this.listeners) l(p.status);
        });
      });
    });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const p = this.procs.get(id);
    if (!p) return;
    const pid = p.child?.pid;
    if (p.status.state === "created" && pid === undefined) return this.fail(p, 0, "Completed", "");
    if (p.status.state === "exited" || pid === undefined) return p.exited;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch { /* already gone */ }
    };
    signal(timeoutSeconds > 0 ? "SIGTERM" : "SIGKILL");
    if (timeoutSeconds > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([p.exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutSeconds * 1000)))]);
      clearTimeout(timer);
      if (p.child) signal("SIGKILL");
    }
    return p.exited;
  }

  async removeContainer(id: string): Promise<void> {
    const p = this.procs.get(id);
    if (!p) return;
    await this.stopContainer(id, 0);
    this.procs.delete(id);
  }

  listContainers(sandboxId?: string): ContainerStatus[] {
    return [...this.procs.values()].filter((p) => sandboxId === undefined || p.status.sandboxId === sandboxId).map((p) => ({ ...p.status }));
  }

  containerStatus(id: string): ContainerStatus | undefined {
    const p = this.procs.get(id);
    return p ? { ...p.status } : undefined;
  }

  /**
   * The argv that runs `argv` in the running container: mapped as its image's catalog does, then (as root)
   * entering its namespaces, in its working directory, as its user with its capabilities (launch.ts).
   */
  private execCommand(p: Proc, argv: string[]): string[] {
    const cmd = this.opts.catalog.argvFor(p.config.image.ref, argv);
    const pid = p.child?.pid;
    if (this.opts.network === undefined || pid === undefined) return cmd;
    return execArgv(pid, { podNetwork: this.isolated(p.status.sandboxId), security: p.config.security, tool: hostTool }, cmd);
  }

  async exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
    const p = this.procs.get(id);
    if (!p || p.status.state !== "running") throw new Error(`container ${id} is not running`);
    const namespaced = this.opts.network !== undefined && p.child?.pid !== undefined;
    const full = this.execCommand(p, argv);
    return new Promise((resolveExec) => {
      execFile(full[0] as string, full.slice(1), {
        env: { PATH: DEFAULT_PATH, ...p.config.env }, cwd: p.config.workingDir && !namespaced ? p.config.workingDir : "/",
        timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1 << 20,
      }, (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!err) return resolveExec({ exitCode: 0, output });
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        if (e.killed) return resolveExec({ exitCode: -1, output: `command timed out after ${timeoutMs / 1000}s` });
        resolveExec({ exitCode: typeof e.code === "number" ? e.code : 127, output: output || e.message });
      });
    });
  }

  podAddress(sandboxId: string): string {
    const s = this.sandboxes.get(sandboxId);
    return s && !s.sharesHostNetwork && !s.config.hostNetwork ? s.ip : "127.0.0.1";
  }

  onContainerExit(listener: (status: ContainerStatus) => void): void {
    this.listeners.push(listener);
  }

  async close(graceSeconds: number): Promise<void> {
    await Promise.all([...this.procs.keys()].map((id) => this.stopContainer(id, graceSeconds)));
    for (const id of [...this.sandboxes.keys()]) await this.removePodSandbox(id);
  }

}

