import { mkdirSync } from "node:fs";
import { dirname, relative } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  ImagePullError, type ContainerConfig, type ContainerState, type ContainerStatus, type ExecResult, type Image, type Runtime, type Sandbox, type SandboxConfig,
  type PullAuth, type StreamingRuntime, type ImageStore,
} from "../runtime.js";
import { CriImageStore } from "./image-store.js";
import { streamedExec } from "./exec-stream.js";
import { forwardedConnection } from "./port-forward-stream.js";
import { CriError, isNotFound, type CriClient, type RuntimeVersion } from "./cri-client.js";
import {
  ContainerState as CriContainerState, NamespaceMode, PodSandboxState, Protocol, type ContainerStatus as CriContainerStatus, type PodSandboxConfigSchema,
} from "./gen/runtime/v1/api_pb.js";
import { normalizeImageRef } from "../image-ref.js";

/**
 * The Runtime the kubelet's pod workers drive, on a CRI runtime (containerd) as upstream's kuberuntime
 * manager drives one: a pod sandbox per pod whose IP is the sandbox status', containers created from
 * pulled images with the kubelet's resolved argv, env, mounts and security, logs written by the runtime in
 * CRI format at the kubelet's path, exec through ExecSync.
 *
 * The Runtime interface answers container, sandbox and image questions synchronously (the pod workers read
 * them while building status), so this keeps what it learned from the runtime: every call that changes a
 * container refreshes its status, and a poll of ListContainers (the kubelet's PLEG relist) notices
 * containers that exited on their own, refreshes them and tells the exit listeners.
 */

/** Labels the kubelet puts on what it creates (upstream's names), and which node agent made it. */
const LABEL_POD_UID = "io.kubernetes.pod.uid";
const LABEL_POD_NAME = "io.kubernetes.pod.name";
const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
const LABEL_NODE = "tugboat.io/node";
/**
 * Annotations a restarted agent adopts its sandboxes and containers by: the sandbox's config (what the
 * pod worker asked for), the image as the pod spelled it, and upstream's restart count.
 */
const ANNOTATION_SANDBOX_CONFIG = "tugboat.io/sandbox-config";
const ANNOTATION_IMAGE = "tugboat.io/image";
const ANNOTATION_RESTART_COUNT = "io.kubernetes.container.restartCount";

export interface ContainerdRuntimeOptions {
  client: CriClient;
  version: RuntimeVersion;
  /** The node's name: what this agent created is labelled with it, so a restart finds its leftovers. */
  nodeName: string;
  /** The node's address (hostNetwork pods' IP). */
  hostIP: string;
  /** How often the container list is polled for exits (the PLEG relist period); default 500 ms. */
  relistMs?: number;
  /** Runs last in close() and detach(), e.g. stopping a containerd of Tugboat's own (leaving the containers' shims with detach). */
  onClose?: (keepContainers: boolean) => Promise<void>;
  log: (entry: Record<string, unknown>) => void;
}

type SandboxConfigInit = MessageInitShape<typeof PodSandboxConfigSchema>;

interface Tracked {
  status: ContainerStatus;
}

const NS_PER_MS = 1_000_000n;

function ms(ns: bigint): number | undefined {
  return ns > 0n ? Number(ns / NS_PER_MS) : undefined;
}

/** The sandbox config an adopted sandbox was created with (its annotation); undefined when it has none or it does not parse. */
function sandboxConfigOf(annotation: string | undefined): SandboxConfig | undefined {
  if (!annotation) return undefined;
  try {
    const config = JSON.parse(annotation) as SandboxConfig;
    return typeof config.uid === "string" && typeof config.name === "string" && typeof config.namespace === "string" ? config : undefined;
  } catch {
    return undefined;
  }
}

function stateOf(s: CriContainerState): ContainerState {
  if (s === CriContainerState.CONTAINER_RUNNING) return "running";
  if (s === CriContainerState.CONTAINER_CREATED) return "created";
  return "exited";
}

interface OciImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

export class ContainerdRuntime implements Runtime {
  readonly name = "containerd";
  readonly version: string;
  private readonly sandboxes = new Map<string, { sandbox: Sandbox; config: SandboxConfigInit }>();
  private readonly containers = new Map<string, Tracked>();
  /** Images by containerd's full name (normalizeImageRef). */
  private readonly images = new Map<string, Image>();
  private readonly exitListeners: Array<(s: ContainerStatus) => void> = [];
  private relistTimer?: NodeJS.Timeout;
  private relisting = false;
  private closed = false;

  readonly imageStore: ImageStore;

  constructor(private readonly opts: ContainerdRuntimeOptions) {
    this.version = `${opts.version.runtimeName}://${opts.version.runtimeVersion}`;
    // An image the kubelet's GC removed is no longer present (imageStatus), whatever name it was known by.
    this.imageStore = new CriImageStore(opts.client, (id) => {
      for (const [name, image] of this.images) if (image.id === id) this.images.delete(name);
    });
  }

  private get cri(): CriClient {
    return this.opts.client;
  }

  /**
   * Learns the images present, adopts what a previous run of this node agent left running (its ready
   * sandboxes and their containers, as upstream's kubelet finds them again after a restart: the pod workers
   * keep them), removes the sandboxes it cannot adopt (stopped ones, or made without the annotations), and
   * starts relisting.
   */
  async start(): Promise<{ adopted: number; removed: number }> {
    const images = await this.cri.images.listImages({});
    for (const i of images.images) for (const tag of i.repoTags) await this.learnImage(tag).catch(() => undefined);
    const byNode = { labelSelector: { [LABEL_NODE]: this.opts.nodeName } };
    let removed = 0;
    for (const s of (await this.cri.runtime.listPodSandbox({ filter: byNode })).items) {
      const config = s.state === PodSandboxState.SANDBOX_READY ? sandboxConfigOf(s.annotations[ANNOTATION_SANDBOX_CONFIG]) : undefined;
      const status = config && (await this.cri.runtime.podSandboxStatus({ podSandboxId: s.id })).status;
      if (!config || !status) {
        await this.cri.runtime.stopPodSandbox({ podSandboxId: s.id });
        await this.cri.runtime.removePodSandbox({ podSandboxId: s.id });
        removed++;
        continue;
      }
      const sandbox: Sandbox = {
        id: s.id, config, ip: config.hostNetwork ? this.opts.hostIP : status.network?.ip || this.opts.hostIP, sharesHostNetwork: false,
        createdAt: ms(status.createdAt) ?? Date.now(),
      };
      this.sandboxes.set(s.id, { sandbox, config: this.criSandboxConfig(config) });
    }
    for (const c of (await this.cri.runtime.listContainers({ filter: byNode })).containers) {
      if (this.sandboxes.has(c.podSandboxId)) await this.adoptContainer(c.id, c.podSandboxId);
    }
    this.relistTimer = setInterval(() => void this.relist(), this.opts.relistMs ?? 500);
    this.relistTimer.unref();
    return { adopted: this.sandboxes.size, removed };
  }

  /** Tracks a container a previous run created, with its status as the runtime reports it now. */
  private async adoptContainer(id: string, sandboxId: string): Promise<void> {
    const s = (await this.cri.runtime.containerStatus({ containerId: id })).status;
    if (!s) return;
    const ref = s.annotations[ANNOTATION_IMAGE] || s.image?.image || s.imageRef;
    const image = this.imageStatus(ref) ?? { ref, id: s.imageRef, size: 0, entrypoint: [], cmd: [], env: {} };
    this.containers.set(id, {
      status: {
        id, sandboxId, name: s.metadata?.name ?? "", attempt: s.metadata?.attempt ?? 0, image, state: stateOf(s.state),
        createdAt: ms(s.createdAt) ?? Date.now(), logPath: s.logPath,
        mounts: s.mounts.map((m) => ({ hostPath: m.hostPath, containerPath: m.containerPath, readOnly: m.readonly })),
      },
    });
    await this.refresh(id);
  }

  /** Reads the image's configuration (verbose ImageStatus: containerd's imageSpec) into the image cache. */
  private async learnImage(ref: string): Promise<Image | undefined> {
    const r = await this.cri.images.imageStatus({ image: { image: ref }, verbose: true });
    if (!r.image) return undefined;
    let config: OciImageConfig = {};
    try {
      config = (JSON.parse(r.info.info ?? "{}") as { imageSpec?: { config?: OciImageConfig } }).imageSpec?.config ?? {};
    } catch {
      // A runtime without containerd's verbose info: the image's own command is unknown.
    }
    const env: Record<string, string> = {};
    for (const kv of config.Env ?? []) {
      const eq = kv.indexOf("=");
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const image: Image = {
      ref, id: r.image.id, size: Number(r.image.size), entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [], env,
      workingDir: config.WorkingDir || undefined, user: config.User || undefined,
    };
    this.images.set(normalizeImageRef(ref), image);
    for (const tag of r.image.repoTags) this.images.set(normalizeImageRef(tag), { ...image, ref: tag });
    return image;
  }

  async pullImage(ref: string, auth?: PullAuth): Promise<Image> {
    try {
      await this.cri.images.pullImage({ image: { image: ref }, auth });
    } catch (err) {
      if (err instanceof CriError) throw new ImagePullError(err.message);
      throw err;
    }
    const image = await this.learnImage(ref);
    if (!image) throw new ImagePullError(`image "${ref}" was pulled but the runtime does not report it`);
    return image;
  }

  imageStatus(ref: string): Image | undefined {
    const image = this.images.get(normalizeImageRef(ref));
    return image && { ...image, ref };
  }

  /** The CRI sandbox config for what the pod worker asked for (the same again for an adopted sandbox). */
  private criSandboxConfig(config: SandboxConfig): SandboxConfigInit {
    return {
      metadata: { name: config.name, uid: config.uid, namespace: config.namespace, attempt: 0 },
      hostname: config.hostname,
      logDirectory: config.logDirectory ?? "",
      portMappings: (config.portMappings ?? []).map((p) => ({
        protocol: p.protocol === "UDP" ? Protocol.UDP : p.protocol === "SCTP" ? Protocol.SCTP : Protocol.TCP,
        containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? "",
      })),
      annotations: { [ANNOTATION_SANDBOX_CONFIG]: JSON.stringify(config) },
      labels: { [LABEL_POD_UID]: config.uid, [LABEL_POD_NAME]: config.name, [LABEL_POD_NAMESPACE]: config.namespace, [LABEL_NODE]: this.opts.nodeName },
      linux: {
        sysctls: Object.fromEntries((config.sysctls ?? []).map((s) => [s.name, s.value])),
        securityContext: {
          // As the kubelet for a pod without shareProcessNamespace: each container its own PID namespace.
          namespaceOptions: { network: config.hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD },
        },
        ...(config.resources ? { resources: { cpuShares: BigInt(config.resources.cpuShares), cpuQuota: BigInt(config.resources.cpuQuotaUs ?? 0), cpuPeriod: config.resources.cpuQuotaUs ? 100_000n : 0n } } : {}),
      },
    };
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const sandboxConfig = this.criSandboxConfig(config);
    if (config.logDirectory) mkdirSync(config.logDirectory, { recursive: true });
    const { podSandboxId } = await this.cri.runtime.runPodSandbox({ config: sandboxConfig });
    const status = await this.cri.runtime.podSandboxStatus({ podSandboxId });
    const sandbox: Sandbox = {
      id: podSandboxId, config, ip: config.hostNetwork ? this.opts.hostIP : status.status?.network?.ip || this.opts.hostIP,
      sharesHostNetwork: false, createdAt: ms(status.status?.createdAt ?? 0n) ?? Date.now(),
    };
    this.sandboxes.set(podSandboxId, { sandbox, config: sandboxConfig });
    return sandbox;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.cri.runtime.stopPodSandbox({ podSandboxId: id });
    await Promise.all([...this.containers.values()].filter((t) => t.status.sandboxId === id).map((t) => this.refresh(t.status.id)));
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.cri.runtime.removePodSandbox({ podSandboxId: id });
    this.sandboxes.delete(id);
    for (const [cid, t] of this.containers) if (t.status.sandboxId === id) this.containers.delete(cid);
  }

  listPodSandboxes(): Sandbox[] {
    return [...this.sandboxes.values()].map((s) => s.sandbox);
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`pod sandbox "${sandboxId}" not found`);
    const logDirectory = sb.sandbox.config.logDirectory ?? dirname(dirname(config.logPath));
    mkdirSync(dirname(config.logPath), { recursive: true });
    const sec = config.security;
    const { containerId } = await this.cri.runtime.createContainer({
      podSandboxId: sandboxId,
      sandboxConfig: { ...sb.config, logDirectory },
      config: {
        metadata: { name: config.name, attempt: config.attempt },
        image: { image: config.image.id, userSpecifiedImage: config.image.ref },
        command: config.argv, args: [],
        workingDir: config.workingDir ?? "",
        envs: Object.entries(config.env).map(([key, value]) => ({ key, value })),
        mounts: config.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readOnly })),
        labels: { [LABEL_POD_UID]: sb.sandbox.config.uid, [LABEL_CONTAINER_NAME]: config.name, [LABEL_NODE]: this.opts.nodeName },
        annotations: { [ANNOTATION_IMAGE]: config.image.ref, [ANNOTATION_RESTART_COUNT]: String(config.attempt) },
        logPath: relative(logDirectory, config.logPath),
        stdin: config.stdin ?? false, stdinOnce: config.stdinOnce ?? false, tty: config.tty ?? false,
        linux: {
          ...(config.resources ? {
            resources: {
              cpuShares: BigInt(config.resources.cpuShares), cpuQuota: BigInt(config.resources.cpuQuotaUs ?? 0),
              cpuPeriod: config.resources.cpuQuotaUs ? 100_000n : 0n, memoryLimitInBytes: BigInt(config.resources.memoryLimitBytes ?? 0),
            },
          } : {}),
          securityContext: sec ? {
            privileged: sec.capabilities === "all",
            capabilities: sec.capabilities === "all" ? {} : { dropCapabilities: ["ALL"], addCapabilities: sec.capabilities },
            runAsUser: { value: BigInt(sec.uid) }, runAsGroup: { value: BigInt(sec.gid) },
            supplementalGroups: sec.groups.map((g) => BigInt(g)),
            noNewPrivs: sec.noNewPrivs, readonlyRootfs: sec.readOnlyRootFilesystem,
            namespaceOptions: { network: sb.sandbox.config.hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD },
          } : undefined,
        },
      },
    });
    this.containers.set(containerId, {
      status: {
        id: containerId, sandboxId, name: config.name, attempt: config.attempt, image: config.image, state: "created",
        createdAt: Date.now(), logPath: config.logPath,
      },
    });
    await this.refresh(containerId);
    return containerId;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.cri.runtime.startContainer({ containerId: id });
    } catch (err) {
      // containerd records a command that cannot start as exited with reason StartError: refresh shows it.
      if (!(err instanceof CriError)) throw err;
      const t = this.containers.get(id);
      if (t) t.status = { ...t.status, state: "exited", reason: "StartError", message: err.details, exitCode: 128, finishedAt: Date.now() };
    }
    await this.refresh(id);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.cri.runtime.stopContainer({ containerId: id, timeout: BigInt(Math.max(0, Math.floor(timeoutSeconds))) }, { timeoutMs: (timeoutSeconds + 60) * 1000 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.refresh(id);
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.cri.runtime.removeContainer({ containerId: id });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.containers.delete(id);
  }

  listContainers(sandboxId?: string): ContainerStatus[] {
    return [...this.containers.values()].map((t) => t.status).filter((s) => sandboxId === undefined || s.sandboxId === sandboxId);
  }

  containerStatus(id: string): ContainerStatus | undefined {
    return this.containers.get(id)?.status;
  }

  async exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
    const timeout = BigInt(Math.max(1, Math.ceil(timeoutMs / 1000)));
    try {
      const r = await this.cri.runtime.execSync({ containerId: id, cmd: argv, timeout }, { timeoutMs: timeoutMs + 10_000 });
      return { exitCode: r.exitCode, output: Buffer.concat([r.stdout, r.stderr]).toString("utf8") };
    } catch (err) {
      if (err instanceof CriError && /timeout/i.test(err.details)) return { exitCode: -1, output: `command timed out after ${timeoutMs / 1000}s` };
      throw err;
    }
  }

  /**
   * kubectl exec, attach and port-forward through the CRI's Exec, Attach and PortForward and containerd's
   * streaming server, over SPDY (exec-stream.ts, port-forward-stream.ts).
   */
  readonly streaming: StreamingRuntime = {
    exec: (containerId, argv, opts) => streamedExec(
      this.cri.runtime.exec({ containerId, cmd: argv, tty: opts.tty, stdin: opts.stdin, stdout: true, stderr: !opts.tty }).then((r) => r.url),
      { stdin: opts.stdin, stdout: true, stderr: !opts.tty, tty: opts.tty },
    ),
    attach: (containerId, opts) => streamedExec(this.cri.runtime.attach({ containerId, ...opts }).then((r) => r.url), opts),
    portForward: async (sandboxId, port) => {
      const { url } = await this.cri.runtime.portForward({ podSandboxId: sandboxId, port: [port] });
      return forwardedConnection(url, port);
    },
  };

  podAddress(sandboxId: string): string {
    return this.sandboxes.get(sandboxId)?.sandbox.ip ?? this.opts.hostIP;
  }

  onContainerExit(listener: (status: ContainerStatus) => void): void {
    this.exitListeners.push(listener);
  }

  /** Reads the container's status from the runtime; tells the exit listeners when it has just exited. */
  private async refresh(id: string): Promise<void> {
    const t = this.containers.get(id);
    if (!t) return;
    let s: CriContainerStatus | undefined;
    try {
      s = (await this.cri.runtime.containerStatus({ containerId: id })).status;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const was = t.status.state;
    if (!s) {
      t.status = { ...t.status, state: "exited", finishedAt: t.status.finishedAt ?? Date.now(), exitCode: t.status.exitCode ?? 137, reason: t.status.reason ?? "Error" };
    } else {
      t.status = {
        ...t.status, state: stateOf(s.state), createdAt: ms(s.createdAt) ?? t.status.createdAt, startedAt: ms(s.startedAt), finishedAt: ms(s.finishedAt),
        exitCode: s.state === CriContainerState.CONTAINER_EXITED ? s.exitCode : undefined,
        reason: s.reason || (t.status.reason === "StartError" ? t.status.reason : undefined), message: s.message || (t.status.reason === "StartError" ? t.status.message : undefined),
      };
    }
    if (was !== "exited" && t.status.state === "exited") for (const l of this.exitListeners) l(t.status);
  }

  /** The PLEG relist: one ListContainers, and a status refresh of each container whose state changed. */
  private async relist(): Promise<void> {
    if (this.relisting || this.closed) return;
    this.relisting = true;
    try {
      const r = await this.cri.runtime.listContainers({ filter: { labelSelector: { [LABEL_NODE]: this.opts.nodeName } } }, { timeoutMs: 10_000 });
      const listed = new Map(r.containers.map((c) => [c.id, stateOf(c.state)]));
      const changed = [...this.containers.values()].filter((t) => t.status.state !== (listed.get(t.status.id) ?? "exited"));
      await Promise.all(changed.map((t) => this.refresh(t.status.id)));
    } catch (err) {
      this.opts.log({ level: "warn", component: "kubelet", msg: "Relisting containers failed", err: err instanceof Error ? err.message : String(err) });
    } finally {
      this.relisting = false;
    }
  }

  /**
   * Lets go of the runtime and leaves the pods' sandboxes and containers running for the next start() to
   * adopt, as upstream's kubelet leaves them when it stops.
   */
  async detach(): Promise<void> {
    this.closed = true;
    clearInterval(this.relistTimer);
    this.cri.close();
    await this.opts.onClose?.(true);
  }

  async close(graceSeconds: number): Promise<void> {
    this.closed = true;
    clearInterval(this.relistTimer);
    const running = [...this.containers.values()].filter((t) => t.status.state === "running");
    await Promise.all(running.map((t) => this.stopContainer(t.status.id, graceSeconds).catch(() => undefined)));
    for (const id of [...this.sandboxes.keys()]) {
      await this.cri.runtime.stopPodSandbox({ podSandboxId: id }).catch(() => undefined);
      await this.cri.runtime.removePodSandbox({ podSandboxId: id }).catch(() => undefined);
    }
    this.sandboxes.clear();
    this.containers.clear();
    this.cri.close();
    await this.opts.onClose?.(false);
  }
}
