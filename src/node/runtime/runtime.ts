import type { Duplex } from "node:stream";

/**
 * The container runtime interface the node agent drives, shaped like Kubernetes' CRI and split by role:
 * images, pod sandboxes (the pod's network and hostname), containers, exec and logs. Implementations:
 * `process` (real OS processes) and `simulated` (in memory).
 */

export interface ImageSpec {
  /** What the image runs when the container gives no command/args (as an OCI image's Entrypoint/Cmd). */
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workingDir?: string;
  /** The image's USER: `uid` or `uid:gid` (numeric), or a name; absent: root, as an image without USER. */
  user?: string;
}

export interface Image extends ImageSpec {
  /** The reference as the pod spelled it, e.g. `nginx:1.18`. */
  ref: string;
  /** A stable id, shown as imageID in container statuses. */
  id: string;
  size: number;
}

/** Registry credentials for a pull (CRI's AuthConfig), from the pod's imagePullSecrets. */
export interface PullAuth {
  username: string;
  password: string;
  /** The registry they are for, as a URL (`https://host[:port]`): the runtime sends them to that host only. */
  serverAddress: string;
  identityToken?: string;
}

/** The image is unknown to the runtime: the pod shows ErrImagePull, as for an image no registry has. */
export class ImagePullError extends Error {}

/** Upstream's cgroup constants: the smallest cpu.shares, and the CFS period a CPU quota is measured in. */
export const MIN_CPU_SHARES = 2;
export const CPU_PERIOD_US = 100_000;

/** The pod-level cgroup settings (CRI's LinuxPodSandboxConfig resources), computed by the kubelet. */
export interface PodResources {
  qosClass: "Guaranteed" | "Burstable" | "BestEffort";
  /** cgroup v1 cpu.shares (1 CPU = 1024). */
  cpuShares: number;
  /** CFS quota per 100 ms period, when every container has a CPU limit. */
  cpuQuotaUs?: number;
}

/**
 * One container's cgroup settings (CRI's LinuxContainerResources), from its requests and limits: for a
 * runtime that gives each container a cgroup of its own (containerd).
 */
export interface ContainerResources {
  /** cpu.shares from the CPU request (1 CPU = 1024; none: the minimum). */
  cpuShares: number;
  /** CFS quota per 100 ms period, from the CPU limit. */
  cpuQuotaUs?: number;
  /** memory.limit_in_bytes, from the memory limit. */
  memoryLimitBytes?: number;
}

/** A container port published on the node (CRI's PortMapping): hostIP:hostPort → the pod's containerPort. */
export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
  /** Only this address of the host; absent: every address. */
  hostIP?: string;
}

export interface SandboxConfig {
  uid: string;
  namespace: string;
  name: string;
  /** The pod's hostname (its name, or spec.hostname). */
  hostname: string;
  hostNetwork: boolean;
  resources?: PodResources;
  /** The pod's containers' hostPorts, forwarded from the node to the pod (not for hostNetwork pods). */
  portMappings?: PortMapping[];
  /** Namespaced sysctls (spec.securityContext.sysctls, admitted by the kubelet) set in the pod's namespaces. */
  sysctls?: Array<{ name: string; value: string }>;
  /** The pod's log directory (CRI's log_directory): its containers' log paths are under it. */
  logDirectory?: string;
}

export interface Sandbox {
  id: string;
  config: SandboxConfig;
  /** The pod IP; the host's when the pod shares the host network. */
  ip: string;
  /** True when the pod asked for an isolated network but the runtime could not give it one. */
  sharesHostNetwork: boolean;
  createdAt: number;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/**
 * Who a container's processes are and what they may do (CRI's LinuxContainerSecurityContext, resolved by
 * the kubelet from the pod's and the container's securityContext and the image's USER).
 */
export interface ContainerSecurity {
  uid: number;
  gid: number;
  /** Supplementary groups: the pod's supplementalGroups, then its fsGroup. */
  groups: number[];
  /** The capabilities the process may hold (its bounding set), upper case without `CAP_`; "all" when privileged. */
  capabilities: string[] | "all";
  /** no_new_privs (allowPrivilegeEscalation: false). */
  noNewPrivs: boolean;
  /** The container's view of `/` is read-only (its volumes and private directories stay writable). */
  readOnlyRootFilesystem: boolean;
}

export interface ContainerConfig {
  name: string;
  /** 0 for the first run of this container in its pod, then 1, 2, … (the restart count). */
  attempt: number;
  image: Image;
  /** The full argv, already resolved from command/args and the image's entrypoint/cmd. */
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  logPath: string;
  /** Absent: the runtime's default, root with every capability the node agent has. */
  security?: ContainerSecurity;
  /** The container's own cgroup limits; runtimes without per-container cgroups ignore them. */
  resources?: ContainerResources;
  /** The container's stdin stays open for attach (spec `stdin`); `stdinOnce`: closed when the first attach ends. */
  stdin?: boolean;
  stdinOnce?: boolean;
  /** The container runs on a terminal of its own (spec `tty`), for runtimes that can give it one. */
  tty?: boolean;
}

/** A running container's stdin, as attach writes to it. */
export interface ContainerInput {
  write(data: Buffer): void;
  /** The attacher is done: a `stdinOnce` container's stdin is closed (EOF), any other stays open. */
  detach(): void;
}

export type ContainerState = "created" | "running" | "exited";

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  image: Image;
  state: ContainerState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Completed, Error, StartError, OOMKilled… as the kubelet reports them. */
  reason?: string;
  message?: string;
  logPath: string;
  /** The container's mounts, for a container adopted from a previous run of the node agent (its termination-message file). */
  mounts?: Mount[];
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** A command run for a client's exec stream (kubectl exec): its pipes, or its terminal with a tty. */
export interface ExecProcess {
  /** Input for the command (the terminal's keys with a tty). */
  write(data: Buffer): void;
  /** Closes the command's stdin (EOF; with a tty, the terminal's end-of-file character). */
  endInput(): void;
  /** The command's output; with a tty everything is "stdout", as upstream merges them. */
  onOutput(listener: (stream: "stdout" | "stderr", data: Buffer) => void): void;
  resize(cols: number, rows: number): void;
  /** Stops reading the command's output while the client can't take more (and reads on again). */
  pauseOutput(): void;
  resumeOutput(): void;
  /** The exit code once the command and its output are done. */
  readonly exited: Promise<number>;
  /** Kills the command and everything it started (the client went away). */
  kill(): void;
}

export interface ExecStreamOptions {
  tty: boolean;
  stdin: boolean;
}

/**
 * The streaming half of the CRI (its Exec/Attach/PortForward), for the node agent's /exec, /attach and
 * /portForward. Errors are thrown with the runtime's words (the client shows them).
 */
export interface StreamingRuntime {
  exec(containerId: string, argv: string[], opts: ExecStreamOptions): ExecProcess;
  /**
   * A connection to `port` on the pod's loopback, dialled inside its network namespace. It may fail later
   * with a ForwardError, whose words are for the client.
   */
  portForward(sandboxId: string, port: number): Promise<Duplex>;
  /** The running container's stdin, when it was started with one (spec `stdin: true`). */
  attachInput?(containerId: string): ContainerInput | undefined;
  /**
   * Attaches to the running container's own streams (its stdin when it has one, its output from now on),
   * for runtimes that serve attach themselves (the CRI's Attach); without it the agent follows the log.
   */
  attach?(containerId: string, opts: AttachStreamOptions): ExecProcess;
}

export interface AttachStreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A forwarded connection the runtime could not make or keep: its words, for the port-forward client's error stream. */
export class ForwardError extends Error {}

/** One image the runtime holds (CRI's Image), as the kubelet's image GC and node status read it. */
export interface StoredImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  /** Never garbage-collected (CRI's pinned; the runtime's sandbox image). */
  pinned: boolean;
}

/** The filesystem images live on: bytes in use by images, and the filesystem's size and free bytes. */
export interface ImageFsUsage {
  mountpoint: string;
  usedBytes: number;
  capacityBytes: number;
  availableBytes: number;
}

/**
 * A runtime's image store (CRI's ListImages, RemoveImage, ImageFsInfo), for the kubelet's node status
 * images and image garbage collection; absent on runtimes without images of their own.
 */
export interface ImageStore {
  list(): Promise<StoredImage[]>;
  /** The ids of the images some container of the runtime (any state, any pod) was created from. */
  inUse(): Promise<Set<string>>;
  remove(id: string): Promise<void>;
  fsUsage(): Promise<ImageFsUsage>;
}

export interface Runtime {
  readonly name: string;
  readonly version: string;

  /** Resolves the image (the process runtime's "pull"); throws ImagePullError when it does not exist. */
  pullImage(ref: string, auth?: PullAuth): Promise<Image>;
  /** The image if pulled before on this node. */
  imageStatus(ref: string): Image | undefined;

  runPodSandbox(config: SandboxConfig): Promise<Sandbox>;
  /** Stops every container of the sandbox at once and tears down its network. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandboxes(): Sandbox[];

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  /** Starts the container; a command that cannot start leaves it exited with reason StartError. */
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`; resolves once it has exited. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(sandboxId?: string): ContainerStatus[];
  containerStatus(id: string): ContainerStatus | undefined;

  /** Runs a command inside the container's namespaces (exec probes and hooks). */
  exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult>;
  /** Exec, attach and port-forward streams; absent on runtimes without processes (the simulated one). */
  readonly streaming?: StreamingRuntime;
  /** The runtime's images (node status, image GC); absent on runtimes whose images are not stored (process, simulated). */
  readonly imageStore?: ImageStore;
  /** Where to reach the pod's ports from the node (HTTP/TCP probes and hooks). */
  podAddress(sandboxId: string): string;

  /** Called whenever a container exits on its own or is stopped. */
  onContainerExit(listener: (status: ContainerStatus) => void): void;
  /** Stops everything (giving processes `graceSeconds`) and releases the runtime's resources. */
  close(graceSeconds: number): Promise<void>;
  /**
   * Releases the runtime but leaves the pods' sandboxes and containers running, for the runtime of the next
   * node agent run to adopt (as upstream's kubelet leaves them when it stops); absent where containers can't
   * outlive the agent (processes are its children).
   */
  detach?(): Promise<void>;
}
