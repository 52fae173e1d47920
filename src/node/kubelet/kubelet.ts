import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PersistentVolume, Pod, Service } from "kubernetes-types/core/v1.js";
import { isConflict, isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, sleep, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { deletedObject, Informer } from "../../client/informer.js";
import { resourcePath, type RestClient } from "../../client/rest.js";
import { WorkQueue } from "../../client/workqueue.js";
import { renewNodeLease } from "../lease.js";
import { nodeObject, readyConditions } from "../node-object.js";
import { registerNodeWithRetry } from "../register.js";
import type { Runtime } from "../runtime/runtime.js";
import { Backoff } from "./backoff.js";
import { Backoff as RetryBackoff } from "../../client/backoff.js";
import { parseResolvConf, type ClusterDnsConfig } from "./dns-files.js";
import { podStatus } from "./pod-status.js";
import { PodWorker } from "./pod-worker.js";
import { orphanedPods } from "./adopt.js";
import { unmountMemoryVolumes } from "./memory-volume.js";
import { Prober } from "./prober.js";
import type { LogSource, StreamTargetIds } from "./server.js";
import { statusPatch } from "./status-patch.js";
import { TokenManager, type IssuedToken } from "./token-manager.js";
import { volumeObjectRefs, type TokenRequestSpec } from "./volumes/index.js";
import { ObjectWatches } from "./object-watches.js";
import { CONFIGMAPS, NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS, SECRETS, SERVICES } from "../../client/resources.js";
import { matchesNodeSelectorTerms } from "../../api/node-affinity.js";
import { HostPortSet, podHostPorts } from "../../api/host-ports.js";
import { forbiddenSysctl } from "./sysctls.js";
import { ImageGCManager, type KubeletImageFlags } from "./image-gc.js";
import { DEFAULT_IMAGE_GC_POLICY } from "./image-gc-plan.js";
import { nodeStatusImages, type NodeImage } from "./node-images.js";


export interface KubeletOptions {
  nodeName: string;
  runtime: Runtime;
  /** Pod directories and container logs live under here. */
  stateDir: string;
  hostIP: string;
  podCIDR?: string;
  /** --cluster-dns and --cluster-domain: pods (dnsPolicy ClusterFirst) resolve through the cluster DNS. */
  clusterDNS?: ClusterDnsConfig;
  kubeletPort: number;
  cpu: string;
  memory: string;
  pods?: string;
  ephemeralStorage?: string;
  leaseRenewMs?: number;
  statusUpdateMs?: number;
  statusReportMs?: number;
  /** Image GC and status.images, for a runtime with an image store (containerd); upstream's defaults when absent. */
  images?: KubeletImageFlags;
  clock?: Clock;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The node agent: registers the Node and keeps its Lease and status fresh, watches the pods bound to it
 * and drives each through a PodWorker (one sync at a time per pod, every pod in parallel, via a work queue), reports their status,
 * and completes graceful deletions by deleting the pod with grace 0 once its containers have stopped.
 */
export class Kubelet implements LogSource {
  private readonly clock: Clock;
  private readonly pods: Informer;
  /** Every Service, for the service env a container starts with (the kubelet's service lister). */
  private readonly services: Informer;
  /** The ConfigMaps and Secrets pods' volumes name: a change re-syncs the pods naming it (the volume manager's remount). */
  private readonly volumeObjects: ObjectWatches;
  private readonly tokens: TokenManager;
  private readonly queue: WorkQueue<string>;
  private readonly workers = new Map<string, PodWorker>();
  private readonly lastKnown = new Map<string, Pod>();
  /** Pods refused at admission: never admitted later, whatever a stale cache says. */
  private readonly rejected = new Set<string>();
  private readonly prober: Prober;
  private readonly recorder: EventRecorder;
  private readonly backoff = new Backoff();
  private readonly imageBackoff = new Backoff();
  /** Read once at start, as the kubelet's --resolv-conf. */
  private readonly hostResolv = parseResolvConf(readResolvConf());
  private nodeUid?: string;
  private since: number;

  constructor(private readonly client: RestClient, private readonly opts: KubeletOptions) {
    this.clock = opts.clock ?? realClock;
    this.since = this.clock.now();
    this.queue = new WorkQueue<string>(this.clock);
    this.pods = new Informer(client, {
      resource: PODS, fieldSelector: `spec.nodeName=${opts.nodeName}`, clock: this.clock,
      indexers: { uid: (o) => [o.metadata.uid ?? ""] },
    });
    this.services = new Informer(client, { resource: SERVICES, clock: this.clock });
    const enqueue = (o: KubeObject) => {
      const pod = o as unknown as Pod;
      this.volumeObjects.track(o.metadata.uid ?? "", volumeObjectRefs(pod).map((r) => ({ ...r, namespace: o.metadata.namespace ?? "" })));
      this.queue.add(o.metadata.uid ?? "");
    };
    this.pods.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => {
      const pod = deletedObject(o);
      this.volumeObjects.forget(pod.metadata.uid ?? "");
      this.queue.add(pod.metadata.uid ?? "");
    } });
    this.tokens = new TokenManager((ns, sa, spec) => this.requestToken(ns, sa, spec), this.clock);
    this.volumeObjects = new ObjectWatches(client, (uids) => uids.forEach((uid) => this.queue.add(uid)), { clock: this.clock, log: opts.log });
    this.recorder = new EventRecorder(client, "kubelet", { host: opts.nodeName, clock: this.clock, log: opts.log });
    this.prober = new Prober(opts.runtime, this.clock, {
      changed: (uid) => this.queue.add(uid),
      failed: (target, message) => {
        const pod = this.lastKnown.get(target.podUid);
        if (pod) this.event(pod, "Warning", "Unhealthy", message);
      },
    });
    opts.runtime.onContainerExit((status) => {
      const sandbox = opts.runtime.listPodSandboxes().find((s) => s.id === status.sandboxId);
      if (sandbox) this.queue.add(sandbox.config.uid);
    });
  }

  private event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void {
    void this.recorder.event({ ...(pod as unknown as KubeObject), apiVersion: "v1", kind: "Pod" }, type, reason, message);
  }

  private node(): KubeObject {
    const o = this.opts;
    return nodeObject({
      name: o.nodeName, cpu: o.cpu, memory: o.memory, pods: o.pods ?? "110", internalIP: o.hostIP, podCIDR: o.podCIDR,
      runtimeVersion: o.runtime.version, kubeletPort: o.kubeletPort, ephemeralStorage: o.ephemeralStorage, volumeDir: resolve(o.stateDir, "volumes"),
    }, this.clock.now());
  }

  async run(signal: AbortSignal): Promise<void> {
    this.nodeUid = await registerNodeWithRetry(this.client, () => this.node(), { clock: this.clock, signal, log: this.opts.log });
    if (signal.aborted) return;
    const loops = [this.renewLease(signal), this.reportStatus(signal), this.pods.run(signal), this.services.run(signal), this.collectImages(signal)];
    // Containers start with the service env of their namespace: not before the services are known.
    await Promise.all([this.pods.waitForSync(), this.services.waitForSync()]);
    await this.removeOrphans();
    // As upstream's pod workers (a goroutine per pod): as many syncs at once as the node holds pods, so a
    // pod waits for its own sandbox and containers, never for other pods' in a queue.
    const workers = Math.min(MAX_POD_WORKERS, Math.max(1, Number.parseInt(this.opts.pods ?? "110", 10) || 110));
    const consumers = [...Array.from({ length: workers }, () => this.consume()), this.resync(signal)];
    signal.addEventListener("abort", () => {
      this.queue.shutdown();
      this.volumeObjects.stop();
    }, { once: true });
    await Promise.all([...loops, ...consumers]);
  }

  /**
   * What the runtime still runs (adopted after an agent restart) for pods no longer bound here — deleted
   * while the agent was down — is stopped and removed with the pods' directories, as upstream's kubelet
   * cleans up orphaned pods once it knows its pods. The pods that are still bound keep theirs.
   */
  private async removeOrphans(): Promise<void> {
    const { runtime } = this.opts;
    const bound = new Set(this.pods.indexer.list().map((o) => o.metadata.uid ?? ""));
    await Promise.all(orphanedPods(runtime.listPodSandboxes(), bound).map(async ({ uid, namespace, name }) => {
      this.opts.log?.({ level: "info", component: "kubelet", node: this.opts.nodeName, pod: `${namespace}/${name}`, msg: "Removing the containers of a pod no longer bound to this node" });
      const pod: Pod = { metadata: { uid, namespace, name }, spec: { containers: [], terminationGracePeriodSeconds: 2 } };
      try {
        await new PodWorker(this.deps(uid), pod).remove(pod);
        // Older sandboxes of the pod, if any: the worker adopted the newest.
        for (const s of runtime.listPodSandboxes().filter((s) => s.config.uid === uid)) {
          await runtime.stopPodSandbox(s.id);
          await runtime.removePodSandbox(s.id);
        }
      } catch (err) {
        this.opts.log?.({ level: "warn", component: "kubelet", node: this.opts.nodeName, pod: `${namespace}/${name}`, msg: "Removing an orphaned pod failed", err: err instanceof Error ? err.message : String(err) });
      }
    }));
  }

  /**
   * Upstream's syncFrequency: every pod is synced again once a minute whatever the watches said, so what
   * only time changes (a projected token due for renewal, a missed event) catches up.
   */
  private async resync(signal: AbortSignal): Promise<void> {
    for (;;) {
      await sleep(this.clock, SYNC_FREQUENCY_MS, signal);
      if (signal.aborted) return;
      for (const o of this.pods.indexer.list()) this.queue.add(o.metadata.uid ?? "");
    }
  }

  /** Every renew interval; a failed renewal is tried again sooner, as upstream's lease controller: 100 ms doubling to 7 s. */
  private async renewLease(signal: AbortSignal): Promise<void> {
    const period = this.opts.leaseRenewMs ?? 10_000;
    const retry = new RetryBackoff({ initialMs: 100, maxMs: 7_000, jitter: 0.2, clock: this.clock });
    while (!signal.aborted) {
      let wait = period;
      try {
        await renewNodeLease(this.client, this.opts.nodeName, this.nodeUid, this.clock.now());
        retry.reset();
      } catch (err) {
        wait = Math.min(period, retry.next());
        this.opts.log?.({ level: "warn", component: "kubelet", node: this.opts.nodeName, msg: "Renewing the lease failed, will retry", retryInMs: Math.round(wait), err: String(err) });
      }
      await sleep(this.clock, wait, signal);
    }
  }

  /**
   * Every 10 s compares the Node's conditions with what the agent knows, posting them when they differ
   * (e.g. the node lifecycle controller marked them Unknown) or once a minute as a heartbeat.
   */
  private async reportStatus(signal: AbortSignal): Promise<void> {
    let posted = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.clock, this.opts.statusUpdateMs ?? 10_000, signal);
      if (signal.aborted) return;
      try {
        const node = await this.client.get(NODES, undefined, this.opts.nodeName);
        const conditions = ((node.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
        const healthy = conditions.find((c) => c.type === "Ready")?.status === "True";
        const images = await this.nodeImages();
        const imagesChanged = images !== undefined && imagesKey(images) !== imagesKey((node.status as { images?: NodeImage[] } | undefined)?.images ?? []);
        if (healthy && !imagesChanged && this.clock.now() - posted < (this.opts.statusReportMs ?? 60_000)) continue;
        const since = healthy ? this.since : this.clock.now();
        await this.client.patch(NODES, undefined, this.opts.nodeName, "merge", { status: { conditions: readyConditions(this.clock.now(), true, since), ...(images ? { images } : {}) } }, "status");
        if (!healthy) this.since = since;
        posted = this.clock.now();
      } catch (err) {
        this.opts.log?.({ level: "warn", component: "kubelet", node: this.opts.nodeName, msg: "Updating node status failed", err: String(err) });
      }
    }
  }

  /** The Node's status.images from the runtime's image store (upstream's Images setter); undefined without one, or when it can't be read now. */
  private async nodeImages(): Promise<NodeImage[] | undefined> {
    const store = this.opts.runtime.imageStore;
    if (!store) return undefined;
    try {
      return nodeStatusImages(await store.list(), this.opts.images?.nodeStatusMaxImages);
    } catch (err) {
      this.opts.log?.({ level: "warn", component: "kubelet", node: this.opts.nodeName, msg: "Error getting image list", err: String(err) });
      return undefined;
    }
  }

  /** Image garbage collection by the image filesystem's usage, on a runtime with an image store. */
  private async collectImages(signal: AbortSignal): Promise<void> {
    const store = this.opts.runtime.imageStore;
    if (!store) return;
    const name = this.opts.nodeName;
    // Upstream's nodeRef: the node's name stands in for its uid.
    const nodeRef = { apiVersion: "v1", kind: "Node", metadata: { name, uid: name } } as KubeObject;
    const gc = new ImageGCManager({
      store, policy: this.opts.images?.gcPolicy ?? DEFAULT_IMAGE_GC_POLICY, clock: this.clock,
      event: (reason, message) => void this.recorder.event(nodeRef, "Warning", reason, message),
      log: (entry) => this.opts.log?.({ ...entry, node: name }),
    });
    await gc.run(signal, this.opts.images?.gcPeriodMs);
  }

  private async consume(): Promise<void> {
    for (;;) {
      const uid = await this.queue.get();
      if (uid === undefined) return;
      try {
        await this.syncPod(uid);
        this.queue.forget(uid);
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) {
          this.opts.log?.({ level: "warn", component: "kubelet", node: this.opts.nodeName, pod: uid, msg: "Syncing the pod failed", err: err instanceof Error ? err.stack : String(err) });
        }
        this.queue.addRateLimited(uid);
      } finally {
        this.queue.done(uid);
      }
    }
  }

  /** A TokenRequest (serviceaccounts/<name>/token) bound to the pod, as the kubelet's token manager sends it. */
  private async requestToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<IssuedToken> {
    const path = resourcePath(SERVICEACCOUNTS, namespace, serviceAccount, "token");
    const body = { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: { name: serviceAccount, namespace }, spec };
    const answer = await this.client.request<{ status?: Partial<IssuedToken> }>("POST", path, { body });
    return { token: answer.status?.token ?? "", expirationTimestamp: answer.status?.expirationTimestamp ?? "" };
  }

  private deps(uid: string) {
    return {
      runtime: this.opts.runtime, prober: this.prober, backoff: this.backoff, imageBackoff: this.imageBackoff, clock: this.clock,
      hostIP: this.opts.hostIP, nodeCpu: this.opts.cpu, nodeMemory: this.opts.memory,
      clusterDNS: this.opts.clusterDNS, hostResolv: this.hostResolv,
      podsDir: join(this.opts.stateDir, "pods"), logsDir: join(this.opts.stateDir, "logs"),
      event: (pod: Pod, type: "Normal" | "Warning", reason: string, message: string) => this.event(pod, type, reason, message),
      fetch: (kind: "configmap" | "secret", namespace: string, name: string) => this.fetch(kind, namespace, name),
      serviceAccountToken: (namespace: string, sa: string, spec: TokenRequestSpec) => this.tokens.token(namespace, sa, spec),
      nodeEphemeralStorage: this.opts.ephemeralStorage ?? "100Gi",
      services: () => this.services.lister().list() as unknown as Service[],
      claimPath: (namespace: string, claim: string) => this.claimPath(namespace, claim),
      requeue: (ms: number) => this.queue.addAfter(uid, Math.max(0, ms)),
      terminationRequested: () => {
        const latest = this.pods.indexer.byIndex("uid", uid)[0] as unknown as Pod | undefined;
        return !latest || latest.metadata?.deletionTimestamp !== undefined;
      },
    };
  }

  /** ConfigMap data (UTF-8) and binaryData, or Secret data, as bytes: binary values stay byte for byte. */
  private async fetch(kind: "configmap" | "secret", namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    try {
      const obj = await this.client.get(kind === "secret" ? SECRETS : CONFIGMAPS, namespace, name);
      const data: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, kind === "secret" ? "base64" : "utf8");
      for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, "base64");
      return data;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A bound claim's volume directory: the PersistentVolume's hostPath or local path, when its node affinity allows this node. */
  private async claimPath(namespace: string, claim: string): Promise<string | undefined> {
    const pvc = await this.client.get(PERSISTENTVOLUMECLAIMS, namespace, claim).catch(() => undefined);
    const volumeName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!volumeName) return undefined;
    const pv = (await this.client.get(PERSISTENTVOLUMES, undefined, volumeName).catch(() => undefined)) as (KubeObject & PersistentVolume) | undefined;
    const terms = pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
    if (!pv || (terms?.length && !matchesNodeSelectorTerms(terms, this.node()))) return undefined;
    return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  }

  private async syncPod(uid: string): Promise<void> {
    const obj = this.pods.indexer.byIndex("uid", uid)[0];
    const pod = obj as unknown as Pod | undefined;
    let worker = this.workers.get(uid);
    if (!pod) {
      const last = this.lastKnown.get(uid);
      if (worker && last) await worker.remove(last);
      this.workers.delete(uid);
      this.tokens.forgetPod(uid);
      this.rejected.delete(uid);
      this.lastKnown.delete(uid);
      return;
    }
    this.lastKnown.set(uid, pod);
    const m = pod.metadata!;
    if (!worker) {
      // Admission and the worker's creation happen in one turn: two pods arriving together are admitted one after the other.
      if (this.rejected.has(uid)) {
        // A rejected pod never runs here; a deletion of it is finished at once.
        if (m.deletionTimestamp) await this.client.delete(PODS, m.namespace, m.name!, { gracePeriodSeconds: 0, preconditions: { uid } }).catch((err: unknown) => {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        });
        return;
      }
      const rejection = this.admit(pod);
      if (rejection) {
        this.rejected.add(uid);
        return this.reject(pod, rejection);
      }
      this.workers.set(uid, (worker = new PodWorker(this.deps(uid), pod)));
    }
    if (m.deletionTimestamp) {
      await worker.terminate(pod);
      await this.writeStatus(pod, worker);
      await this.client.delete(PODS, m.namespace, m.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      return;
    }
    // The first status goes out before anything starts (containers waiting in ContainerCreating or
    // PodInitializing), as upstream's SyncPod sets it before creating the sandbox.
    if (!pod.status?.containerStatuses) await this.writeStatus(pod, worker);
    await worker.sync(pod);
    await this.writeStatus(pod, worker);
  }

  /**
   * Upstream's admission: sysctls outside the allowlist (SysctlForbidden), then the predicate for what
   * Tugboat's nodes can clash on — host ports (NodePorts): a pod not yet running here is refused when a
   * pod this agent runs holds one of its host ports.
   */
  private admit(pod: Pod): { reason: string; message: string } | undefined {
    const phase = pod.status?.phase;
    if (pod.metadata?.deletionTimestamp || phase === "Succeeded" || phase === "Failed") return undefined;
    const sysctl = forbiddenSysctl(pod);
    if (sysctl) return sysctl;
    const wanted = podHostPorts(pod.spec as unknown as Record<string, unknown>);
    if (wanted.length === 0) return undefined;
    const used = new HostPortSet();
    for (const [uid, worker] of this.workers) {
      if (worker.ended) continue;
      for (const p of podHostPorts(this.lastKnown.get(uid)?.spec as unknown as Record<string, unknown> | undefined)) used.add(p);
    }
    if (!wanted.some((p) => used.conflicts(p))) return undefined;
    return { reason: "NodePorts", message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports" };
  }

  /** Upstream's rejectPod: a Warning event, and the pod Failed with the reason and "Pod was rejected: …". */
  private async reject(pod: Pod, r: { reason: string; message: string }): Promise<void> {
    const m = pod.metadata!;
    this.event(pod, "Warning", r.reason, r.message);
    this.opts.log?.({ level: "info", component: "kubelet", node: this.opts.nodeName, pod: `${m.namespace}/${m.name}`, msg: "Pod rejected at admission", reason: r.reason });
    await this.client.patch(PODS, m.namespace, m.name!, "merge", { status: { phase: "Failed", reason: r.reason, message: `Pod was rejected: ${r.message}` } }, "status");
  }

  private async writeStatus(pod: Pod, worker: PodWorker): Promise<void> {
    if (worker.endedBefore) return;
    const m = pod.metadata!;
    const view = worker.view(pod);
    for (const c of view.containers) if (c.current?.state === "running" && c.started && !c.ready) this.prober.triggerReadiness(c.current.id);
    const patch = statusPatch(pod.status ?? {}, podStatus(pod, view, this.clock.now()));
    // Strategic: conditions merge by type, so one another writer set meanwhile (DisruptionTarget) is kept.
    if (patch) await this.client.patch(PODS, m.namespace, m.name!, "strategic", { status: patch }, "status");
  }

  logFile(namespace: string, name: string, container: string, previous: boolean): { path: string; running: () => boolean } | { error: string; code: 400 | 404 } {
    const pod = this.pods.lister().get(namespace, name) as unknown as Pod | undefined;
    if (!pod) return { error: `pod "${name}" not found`, code: 404 };
    const worker = this.workers.get(pod.metadata?.uid ?? "");
    const file = worker?.logPath(pod, container, previous);
    if (!file) {
      if (previous) return { error: `previous terminated container "${container}" in pod "${name}" not found`, code: 400 };
      const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
      const reason = all.find((s) => s.name === container)?.state?.waiting?.reason ?? "ContainerCreating";
      return { error: `container "${container}" in pod "${name}" is waiting to start: ${reason}`, code: 400 };
    }
    return { path: file.path, running: () => worker?.logPath(pod, container, previous)?.running ?? false };
  }

  /**
   * The runtime's ids behind a stream request (/exec, /attach, /portForward): the pod's sandbox and, for a
   * container name, the newest instance of that container. Errors carry the kubelet's words.
   */
  streamTarget(namespace: string, name: string, container?: string): StreamTargetIds | { error: string; code: 400 | 404 } {
    const pod = this.pods.lister().get(namespace, name) as unknown as Pod | undefined;
    if (!pod) return { error: "pod does not exist", code: 404 };
    const sandbox = this.opts.runtime.listPodSandboxes().filter((s) => s.config.uid === pod.metadata?.uid).sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!sandbox) return { error: `pod "${name}" has no sandbox yet: ContainerCreating`, code: 400 };
    if (container === undefined) return { sandboxId: sandbox.id };
    const instance = this.opts.runtime.listContainers(sandbox.id).filter((c) => c.name === container).sort((a, b) => b.attempt - a.attempt)[0];
    if (!instance) return { error: `container not found ("${container}")`, code: 400 };
    const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].find((c) => c.name === container);
    return { sandboxId: sandbox.id, containerId: instance.id, logPath: instance.logPath, attachFromStart: spec?.stdinOnce === true, tty: spec?.tty === true };
  }

  /**
   * Stops every container (giving each `graceSeconds`) and tears down the pods' networks; with
   * `keepContainers`, on a runtime whose containers can outlive the agent, leaves them running for the
   * next start to adopt instead (when there are any). Resolves to whether they were kept.
   */
  async shutdown(graceSeconds: number, keepContainers = false): Promise<boolean> {
    for (const [uid] of this.workers) this.prober.stopPod(uid);
    const { runtime } = this.opts;
    if (keepContainers && runtime.detach && runtime.listPodSandboxes().length > 0) {
      await runtime.detach();
      return true;
    }
    await runtime.close(graceSeconds);
    // The containers are gone: memory volumes would otherwise outlive the agent, mounted in its data dir.
    unmountMemoryVolumes(join(this.opts.stateDir, "pods"));
    return false;
  }
}

const SYNC_FREQUENCY_MS = 60_000;
/** However many pods a node says it holds (--max-pods), no more syncs than this run at once. */
const MAX_POD_WORKERS = 1000;

/** A node's status.images as one string, to tell whether it changed. */
function imagesKey(images: readonly NodeImage[]): string {
  return images.map((i) => `${(i.names ?? []).join(",")}=${i.sizeBytes}`).join(";");
}
const SERVICEACCOUNTS = { group: "", version: "v1", resource: "serviceaccounts", namespaced: true };

function readResolvConf(path = "/etc/resolv.conf"): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
