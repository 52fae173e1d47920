import { existsSync, readdirSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { EventType } from "../../client/events.js";
import { ImagePullError, type PullAuth, type ContainerSecurity, type ContainerStatus, type Image, type Mount, type Runtime, type Sandbox } from "../runtime/runtime.js";
import { adoptPod, type AdoptedPod } from "./adopt.js";
import { goDuration, type Backoff } from "./backoff.js";
import { goDurationMs } from "./go-duration.js";
import { defaultPullPolicy } from "../../api/defaults/pod.js";
import { containerConfig, podVolumeSources, type ContainerConfigDeps } from "./container-config.js";
import { ContainerConfigError, containerArgv } from "./container-env.js";
import { ephemeralContainers, ephemeralToStart, ranBefore } from "./ephemeral-containers.js";
import { runHandler } from "./probe.js";
import type { Prober } from "./prober.js";
import type { ContainerView, PodView } from "./pod-status.js";
import { podPhase } from "./pod-status.js";
import { podPortMappings } from "./port-mappings.js";
import { pullCredentials } from "./pull-secrets.js";
import { MountError, refreshVolumes } from "./volumes/index.js";
import { unmountMemoryVolumes } from "./memory-volume.js";
import { containerResources, podResources } from "./pod-resources.js";
import { terminationMessageMount, TerminationMessages } from "./termination-message.js";

export interface PodWorkerDeps extends ContainerConfigDeps {
  runtime: Runtime;
  prober: Prober;
  backoff: Backoff;
  imageBackoff: Backoff;
  /** Where pod directories (volumes) and container logs live. */
  podsDir: string;
  logsDir: string;
  event(pod: Pod, type: EventType, reason: string, message: string): void;
  /** Sync this pod again after `ms`. */
  requeue(ms: number): void;
  /**
   * The pod has been marked for deletion (or is gone) since this sync began: upstream's pod worker cancels
   * the sync in flight then, so no container starts in a pod that is being torn down.
   */
  terminationRequested?(): boolean;
}

interface Slot {
  current?: string;
  last?: ContainerStatus;
  waiting?: { reason: string; message?: string };
  /** The attempt number the next instance gets. */
  nextAttempt: number;
  pullFailedAt?: number;
  pullError?: string;
}

/** How long a postStart hook may run before it counts as failed. */
const POST_START_TIMEOUT_MS = 120_000;

/** Pulls with each credential in turn until one works (the last error if none does), or without any when there are none. */
async function pullWith(credentials: PullAuth[], pull: (auth?: PullAuth) => Promise<Image>): Promise<Image> {
  if (credentials.length === 0) return pull();
  let last: unknown;
  for (const auth of credentials) {
    try {
      return await pull(auth);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/**
 * One pod's life on this node, as the kubelet's pod worker and kuberuntime manager drive it: the sandbox,
 * init containers in order, then containers; restarts per restartPolicy with CrashLoopBackOff, image pulls
 * with ImagePullBackOff, liveness/startup restarts, image changes, activeDeadlineSeconds, and graceful
 * termination with preStop hooks.
 */
export class PodWorker {
  private sandbox?: Sandbox;
  private readonly slots = new Map<string, Slot>();
  private readonly messages = new TerminationMessages();
  private terminal?: PodView["terminal"];
  /** The pod had ended before this agent started: its status is history, not ours to rewrite. */
  readonly endedBefore: boolean;
  private readonly startTime: number;
  /** Ephemeral containers that ran before this agent started: never run again. */
  private readonly ephemeralRan: Set<string>;

  constructor(private readonly deps: PodWorkerDeps, pod: Pod) {
    this.startTime = deps.clock.now();
    this.ephemeralRan = ranBefore(pod);
    const phase = pod.status?.phase;
    this.endedBefore = phase === "Succeeded" || phase === "Failed";
    if (this.endedBefore) this.terminal = { phase: phase as "Succeeded" | "Failed", reason: pod.status?.reason, message: pod.status?.message };
    // After an agent restart, containers carry on counting restarts where the API left off.
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const ran = s.state?.running !== undefined || s.state?.terminated !== undefined || s.lastState?.terminated !== undefined;
      this.slots.set(s.name, { nextAttempt: s.restartCount + (ran ? 1 : 0) });
    }
    const adopted = adoptPod(pod.metadata?.uid ?? "", deps.runtime.listPodSandboxes(), deps.runtime.listContainers());
    if (adopted) this.adopt(pod, adopted);
  }

  /**
   * After an agent restart, what the runtime still runs for the pod is the pod's: its sandbox (and pod IP),
   * each container's newest instance (a running one keeps running, its probes resume) and the one before.
   */
  private adopt(pod: Pod, adopted: AdoptedPod): void {
    this.sandbox = adopted.sandbox;
    const spec = pod.spec;
    const specs = new Map([...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...ephemeralContainers(pod)].map((c) => [c.name, c]));
    const statuses = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]));
    for (const [name, { current, last }] of adopted.containers) {
      const slot = this.slot(name);
      Object.assign(slot, { current: current.id, last, nextAttempt: Math.max(slot.nextAttempt, current.attempt + 1) });
      const c = specs.get(name);
      if (!c) continue;
      const message = current.mounts?.find((m) => m.containerPath === c.terminationMessagePath);
      this.messages.track(current.id, c, message);
      if (current.state !== "running") continue;
      const was = statuses.get(name)?.containerID?.endsWith(current.id) ? statuses.get(name) : undefined;
      this.deps.prober.ensure({ podUid: pod.metadata?.uid ?? "", containerId: current.id, sandboxId: adopted.sandbox.id, container: c, startedAt: current.startedAt ?? this.deps.clock.now() },
        { started: was?.started, ready: was?.ready });
    }
  }

  /** The pod has ended here (or before): its containers hold nothing of the node any more. */
  get ended(): boolean {
    return this.terminal !== undefined;
  }

  private slot(name: string): Slot {
    let s = this.slots.get(name);
    if (!s) this.slots.set(name, (s = { nextAttempt: 0 }));
    return s;
  }

  private status(name: string): ContainerStatus | undefined {
    const id = this.slots.get(name)?.current;
    return id ? this.deps.runtime.containerStatus(id) : undefined;
  }

  private podDir(pod: Pod): string {
    return join(this.deps.podsDir, pod.metadata?.uid ?? "");
  }

  logDir(pod: Pod): string {
    const m = pod.metadata ?? {};
    return join(this.deps.logsDir, `${m.namespace}_${m.name}_${m.uid}`);
  }

  /** Moves the pod one step towards its spec. */
  async sync(pod: Pod): Promise<void> {
    const apiPhase = pod.status?.phase;
    if (!this.terminal && (apiPhase === "Succeeded" || apiPhase === "Failed")) {
      // Another writer ended the pod through pods/status: upstream's kubelet never moves a pod out of a
      // terminal phase the API shows ("illegal phase transition"); it keeps it and stops the pod.
      this.terminal = { phase: apiPhase, reason: pod.status?.reason, message: pod.status?.message };
    }
    if (this.terminal) return this.stopSandbox();
    const spec = pod.spec!;
    const now = this.deps.clock.now();
    if (spec.activeDeadlineSeconds !== undefined) {
      const started = Date.parse(pod.status?.startTime ?? "") || this.startTime;
      const left = started + spec.activeDeadlineSeconds * 1000 - now;
      if (left <= 0) {
        const message = "Pod was active on the node longer than the specified deadline";
        this.deps.event(pod, "Normal", "DeadlineExceeded", message);
        await this.killAll(pod, spec.terminationGracePeriodSeconds ?? 30);
        this.terminal = { phase: "Failed", reason: "DeadlineExceeded", message };
        return this.stopSandbox();
      }
      this.deps.requeue(left);
    }
    if (!this.sandbox) {
      const m = pod.metadata!;
      try {
        this.sandbox = await this.deps.runtime.runPodSandbox({
          uid: m.uid!, namespace: m.namespace!, name: m.name!, hostname: spec.hostname ?? m.name!, hostNetwork: spec.hostNetwork ?? false,
          resources: podResources(pod), portMappings: podPortMappings(pod), sysctls: spec.securityContext?.sysctls, logDirectory: this.logDir(pod),
        });
      } catch (err) {
        this.deps.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${err instanceof Error ? err.message : String(err)}`);
        return this.deps.requeue(5000);
      }
      if (this.sandbox.sharesHostNetwork) {
        this.deps.event(pod, "Warning", "HostNetworkOnly", "The node agent is not running as root: the pod shares the host's network and hostname");
      }
    }
    await this.refreshVolumes(pod);
    // As upstream, ephemeral containers start before init containers (a pod stuck initializing can be
    // debugged), each once: one that has had an instance is never started again.
    for (const c of ephemeralToStart(spec, (name) => this.slots.get(name)?.current !== undefined || this.ephemeralRan.has(name))) await this.start(pod, c);
    const policy = spec.restartPolicy ?? "Always";
    for (const c of spec.initContainers ?? []) {
      const cur = this.status(c.name);
      if (cur?.state === "exited" && cur.exitCode === 0) continue;
      if (cur && cur.state !== "exited") return;
      if (cur && policy === "Never") {
        this.terminal = { phase: "Failed" };
        return this.stopSandbox();
      }
      return this.start(pod, c);
    }
    for (const c of spec.containers) {
      const cur = this.status(c.name);
      if (cur?.state === "running") {
        const fatal = this.deps.prober.failedFatally(cur.id);
        if (fatal) {
          await this.kill(pod, c, cur.id, `Container ${c.name} failed ${fatal} probe, will be restarted`);
          this.deps.requeue(0);
        } else if (cur.image.ref !== c.image) {
          await this.kill(pod, c, cur.id, `Container ${c.name} definition changed, will be restarted`);
          this.slot(c.name).nextAttempt = cur.attempt + 1;
          await this.start(pod, c, true);
        }
        continue;
      }
      if (cur?.state === "exited" && (policy === "Never" || (policy === "OnFailure" && cur.exitCode === 0))) continue;
      await this.start(pod, c);
    }
    const phase = podPhase(policy, this.views(spec.initContainers ?? [], true), this.views(spec.containers, false));
    if (phase === "Succeeded" || phase === "Failed") {
      this.terminal = { phase };
      await this.stopSandbox();
    }
  }

  /** What the pod's volumes name (objects, claims, tokens), read now. */
  /**
   * The volume manager's remount on every sync: configMap, secret, downwardAPI and projected volumes
   * already set up follow their objects and the pod's metadata. What can't be read now keeps its files.
   */
  private async refreshVolumes(pod: Pod): Promise<void> {
    if (!(pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.downwardAPI || v.projected)) return;
    // An API that can't be read now leaves the files as they are until a later sync.
    const sources = await podVolumeSources(this.deps, pod).catch(() => undefined);
    if (!sources) return;
    const failures = refreshVolumes(pod, this.podDir(pod), sources, this.deps.clock.now());
    for (const f of failures) this.deps.event(pod, "Warning", "FailedMount", f.message);
  }

  /** Starts the container's next instance, unless back-off, image or configuration hold it back. */
  private async start(pod: Pod, c: Container, immediately = false): Promise<void> {
    if (this.deps.terminationRequested?.()) return;
    const slot = this.slot(c.name);
    const { clock, runtime } = this.deps;
    const m = pod.metadata!;
    const cur = this.status(c.name);
    const key = `${m.uid}/${c.name}`;
    if (cur?.state === "exited" && !immediately) {
      const wait = this.deps.backoff.remaining(key, cur.finishedAt ?? 0, clock.now());
      if (wait > 0) {
        const podRef = `${m.name}_${m.namespace}(${m.uid})`;
        slot.waiting = { reason: "CrashLoopBackOff", message: `back-off ${goDuration(this.deps.backoff.delay(key))} restarting failed container=${c.name} pod=${podRef}` };
        this.deps.event(pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${podRef}`);
        return this.deps.requeue(wait);
      }
      this.deps.backoff.next(key, cur.finishedAt ?? 0);
    }
    const image = await this.pull(pod, c, slot);
    if (!image) return;

    let env: Record<string, string>;
    let mounts: Mount[];
    let security: ContainerSecurity;
    try {
      ({ env, mounts, security } = await containerConfig(this.deps, pod, c, image, this.podDir(pod), this.sandbox!.ip));
    } catch (err) {
      if (err instanceof MountError) {
        this.deps.event(pod, "Warning", "FailedMount", err.message);
        slot.waiting = { reason: "ContainerCreating" };
      } else if (err instanceof ContainerConfigError) {
        this.deps.event(pod, "Warning", "Failed", `Error: ${err.message}`);
        slot.waiting = { reason: "CreateContainerConfigError", message: err.message };
      } else throw err;
      return this.deps.requeue(10_000);
    }
    const messageMount = terminationMessageMount(join(this.podDir(pod), "containers", c.name), c);
    if (messageMount) mounts.push(messageMount);

    const attempt = slot.nextAttempt;
    const logPath = join(this.logDir(pod), c.name, `${attempt}.log`);
    const id = await runtime.createContainer(this.sandbox!.id, {
      name: c.name, attempt, image, argv: containerArgv(c, image, env), env, workingDir: c.workingDir ?? image.workingDir, mounts, logPath, security,
      stdin: c.stdin ?? false, stdinOnce: c.stdinOnce ?? false, tty: c.tty ?? false, resources: containerResources(c),
    });
    // Keep one dead instance per container (for lastState and `logs --previous`), as the kubelet's GC does.
    this.messages.track(id, c, messageMount);
    if (slot.last) {
      await runtime.removeContainer(slot.last.id);
      this.messages.forget(slot.last.id);
      rmSync(join(this.logDir(pod), c.name, `${slot.last.attempt}.log`), { force: true });
    }
    slot.last = cur;
    slot.current = id;
    slot.waiting = undefined;
    slot.nextAttempt = attempt + 1;
    this.deps.event(pod, "Normal", "Created", `Created container: ${c.name}`);
    await runtime.startContainer(id);
    const started = runtime.containerStatus(id)!;
    if (started.reason === "StartError") {
      this.deps.event(pod, "Warning", "Failed", `Error: ${started.message}`);
      return;
    }
    this.deps.event(pod, "Normal", "Started", `Started container ${c.name}`);
    if (c.lifecycle?.postStart && !(await this.postStart(pod, c, id))) return;
    this.deps.prober.ensure({ podUid: m.uid!, containerId: id, sandboxId: this.sandbox!.id, container: c, startedAt: started.startedAt ?? clock.now() });
  }

  /**
   * Upstream's step 4 of startContainer: the postStart hook runs before the container counts as started
   * (this sync, and so the pod's status, waits for it). A failed hook kills the container with a Warning
   * FailedPostStartHook event; the restart policy then decides, the container waiting in PostStartHookError.
   */
  private async postStart(pod: Pod, c: Container, id: string): Promise<boolean> {
    const { runtime } = this.deps;
    const r = await runHandler(c.lifecycle!.postStart!, runtime, id, runtime.podAddress(this.sandbox?.id ?? ""), c, POST_START_TIMEOUT_MS);
    if (r.ok) return true;
    // As upstream, the hook's output stays out of the event (it may hold secrets).
    this.deps.event(pod, "Warning", "FailedPostStartHook", "PostStartHook failed");
    await this.kill(pod, c, id, "FailedPostStartHook");
    const policy = pod.spec?.restartPolicy ?? "Always";
    if (policy !== "Never") this.slot(c.name).waiting = { reason: "PostStartHookError", message: r.output };
    this.deps.requeue(0);
    return false;
  }

  /** Resolves the container's image per imagePullPolicy; undefined (with the waiting reason set) when it cannot. */
  private async pull(pod: Pod, c: Container, slot: Slot): Promise<Image | undefined> {
    const { runtime, clock } = this.deps;
    const ref = c.image ?? "";
    const policy = c.imagePullPolicy ?? defaultPullPolicy(ref);
    const present = runtime.imageStatus(ref);
    if (policy === "Never" && !present) {
      const message = `Container image "${ref}" is not present with pull policy of Never`;
      slot.waiting = { reason: "ErrImageNeverPull", message };
      this.deps.event(pod, "Warning", "ErrImageNeverPull", message);
      // As every image error of upstream's startContainer: "Error: <reason>".
      this.deps.event(pod, "Warning", "Failed", "Error: ErrImageNeverPull");
      this.deps.requeue(10_000);
      return undefined;
    }
    if (present && policy !== "Always") {
      this.deps.event(pod, "Normal", "Pulled", `Container image "${ref}" already present on machine`);
      return present;
    }
    const key = `${pod.metadata?.uid}/${ref}`;
    if (slot.pullFailedAt !== undefined) {
      const wait = this.deps.imageBackoff.remaining(key, slot.pullFailedAt, clock.now());
      if (wait > 0) {
        slot.waiting = { reason: "ImagePullBackOff", message: `Back-off pulling image "${ref}": ErrImagePull: ${slot.pullError ?? ""}`.trimEnd() };
        this.deps.event(pod, "Normal", "BackOff", `Back-off pulling image "${ref}"`);
        this.deps.event(pod, "Warning", "Failed", "Error: ImagePullBackOff");
        this.deps.requeue(wait);
        return undefined;
      }
    }
    const credentials = await this.pullCredentials(pod, ref);
    this.deps.event(pod, "Normal", "Pulling", `Pulling image "${ref}"`);
    const began = performance.now();
    try {
      const image = await pullWith(credentials, (auth) => runtime.pullImage(ref, auth));
      const took = goDurationMs(performance.now() - began);
      this.deps.event(pod, "Normal", "Pulled", `Successfully pulled image "${ref}" in ${took} (${took} including waiting). Image size: ${image.size} bytes.`);
      slot.pullFailedAt = undefined;
      return image;
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      this.deps.event(pod, "Warning", "Failed", `Failed to pull image "${ref}": ${err.message}`);
      this.deps.event(pod, "Warning", "Failed", "Error: ErrImagePull");
      slot.pullFailedAt = clock.now();
      this.deps.imageBackoff.next(key, slot.pullFailedAt);
      slot.pullError = err.message;
      slot.waiting = { reason: "ErrImagePull", message: err.message };
      this.deps.requeue(this.deps.imageBackoff.delay(key));
      return undefined;
    }
  }

  /**
   * The credentials of the pod's imagePullSecrets for `ref`. A secret that can't be read is skipped with a
   * FailedToRetrieveImagePullSecret event, as the kubelet does.
   */
  private async pullCredentials(pod: Pod, ref: string): Promise<PullAuth[]> {
    const names = (pod.spec?.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => !!n);
    if (names.length === 0) return [];
    const secrets: Array<Record<string, Buffer>> = [];
    for (const name of names) {
      const data = await this.deps.fetch("secret", pod.metadata?.namespace ?? "default", name).catch(() => undefined);
      if (data) secrets.push(data);
      else this.deps.event(pod, "Warning", "FailedToRetrieveImagePullSecret", `Unable to retrieve some image pull secrets (${name}); attempting to pull the image may not succeed.`);
    }
    return pullCredentials(ref, secrets);
  }

  /** Runs the preStop hook, then stops the container: SIGTERM, SIGKILL at the end of the grace period. */
  private async kill(pod: Pod, c: Container | undefined, id: string, message: string, graceSeconds?: number): Promise<void> {
    const { runtime, prober, clock } = this.deps;
    const grace = Math.max(graceSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30, 2);
    this.deps.event(pod, "Normal", "Killing", message);
    const began = clock.now();
    const preStop = c?.lifecycle?.preStop;
    if (preStop && runtime.containerStatus(id)?.state === "running") {
      const r = await runHandler(preStop, runtime, id, runtime.podAddress(this.sandbox?.id ?? ""), c, grace * 1000);
      if (!r.ok) this.deps.event(pod, "Warning", "FailedPreStopHook", `PreStopHook failed: ${r.output}`);
    }
    prober.stop(id);
    const left = Math.max(2, grace - Math.floor((clock.now() - began) / 1000));
    await runtime.stopContainer(id, left);
  }

  private async killAll(pod: Pod, graceSeconds: number): Promise<void> {
    const byName = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c]));
    await Promise.all([...this.slots].flatMap(([name, slot]) => {
      const cur = slot.current ? this.deps.runtime.containerStatus(slot.current) : undefined;
      return cur?.state === "running" ? [this.kill(pod, byName.get(name), cur.id, `Stopping container ${name}`, graceSeconds)] : [];
    }));
  }

  /** Graceful deletion: every container stopped within the pod's deletion grace period, then the sandbox. */
  async terminate(pod: Pod): Promise<void> {
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.killAll(pod, grace);
    if (!this.terminal) {
      const views = this.views(pod.spec?.containers ?? [], false);
      const allZero = views.every((v) => !v.current || v.current.exitCode === 0);
      this.terminal = { phase: allZero ? "Succeeded" : "Failed" };
    }
    await this.stopSandbox();
  }

  private async stopSandbox(): Promise<void> {
    if (this.sandbox) await this.deps.runtime.stopPodSandbox(this.sandbox.id);
  }

  /** The pod is gone from the API: stop everything and remove its containers, volumes and logs. */
  async remove(pod: Pod): Promise<void> {
    await this.killAll(pod, 2);
    this.deps.prober.stopPod(pod.metadata?.uid ?? "");
    if (this.sandbox) await this.deps.runtime.removePodSandbox(this.sandbox.id);
    this.deps.backoff.forget(`${pod.metadata?.uid}/`);
    this.deps.imageBackoff.forget(`${pod.metadata?.uid}/`);
    unmountMemoryVolumes(this.podDir(pod));
    // Off the event loop: a node removing a hundred pods' volumes and logs at once keeps serving the others.
    await Promise.all([rm(this.podDir(pod), { recursive: true, force: true }), rm(this.logDir(pod), { recursive: true, force: true })]);
  }

  private views(containers: Container[], init: boolean): ContainerView[] {
    return containers.map((c) => {
      const slot = this.slots.get(c.name);
      const current = this.messages.withMessage(this.status(c.name));
      const started = current?.state === "running" && this.deps.prober.started(current.id);
      const readiness = current ? this.deps.prober.result(current.id, "readiness") : undefined;
      return {
        name: c.name, image: c.image ?? "", current, last: this.messages.withMessage(slot?.last), waiting: slot?.waiting,
        restartCount: current ? current.attempt : Math.max(0, (slot?.nextAttempt ?? 0) - 1),
        // A completed init container is ready, as upstream reports it.
        started, ready: init ? current?.state === "exited" && current.exitCode === 0 : started && readiness !== false,
      };
    });
  }

  /** What the status of the pod should say now. */
  view(pod: Pod): PodView {
    return {
      sandboxReady: this.sandbox !== undefined && !this.terminal, podIP: this.sandbox?.ip, hostIP: this.deps.hostIP,
      init: this.views(pod.spec?.initContainers ?? [], true), containers: this.views(pod.spec?.containers ?? [], false),
      terminal: this.terminal, startTime: this.startTime, runtimeName: this.deps.runtime.name,
      ephemeral: this.views(ephemeralContainers(pod), false).map((v) => ({ ...v, ready: false })),
    };
  }

  /**
   * Log file of the container's current (or previous) instance: the newest (or second newest) attempt
   * on disk, so logs outlive an agent restart as they outlive the kubelet's.
   */
  logPath(pod: Pod, name: string, previous: boolean): { path: string; running: boolean } | undefined {
    const dir = join(this.logDir(pod), name);
    const attempts = existsSync(dir)
      ? readdirSync(dir).filter((f) => /^\d+\.log$/.test(f)).map((f) => Number(f.slice(0, -4))).sort((a, b) => b - a)
      : [];
    const attempt = attempts[previous ? 1 : 0];
    if (attempt === undefined) return undefined;
    const current = this.status(name);
    return { path: join(dir, `${attempt}.log`), running: current?.attempt === attempt && current.state === "running" };
  }


}
