import { isConflict, isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, sleep, type Clock } from "../../client/clock.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import { SharedInformers } from "../../client/shared-informers.js";
import { PATCH_CONTENT_TYPES, resourcePath, type RestClient } from "../../client/rest.js";
import { renewNodeLease } from "../lease.js";
import { nodeObject } from "../node-object.js";
import { registerNodeWithRetry } from "../register.js";
import { FAST_STAGES, type Stage } from "./stages.js";
import { PODS } from "../../client/resources.js";


export interface SimulatedPoolOptions {
  nodes: string[];
  stages?: Stage[];
  cpu?: string;
  memory?: string;
  pods?: string;
  leaseRenewMs?: number;
  clock?: Clock;
  random?: () => number;
  /** Informers shared with other components of the process (their owner runs them); own ones otherwise. */
  informers?: SharedInformers;
  log?: (entry: Record<string, unknown>) => void;
}

interface SimNode {
  name: string;
  index: number;
  uid?: string;
  hostIP: string;
  nextPodIP: number;
}

/**
 * Many simulated nodes in one process (KWOK-style): each registers a Node and renews its Lease like a
 * kubelet, and the pods bound to them move through data-defined stages (delay ± jitter, status patch or
 * delete) instead of running processes. One shared pod informer serves every node.
 */
export class SimulatedNodePool {
  private readonly nodes = new Map<string, SimNode>();
  private readonly pending = new Map<string, { stage: string; cancel: () => void }>();
  private stopped = false;
  private readonly pods: Informer;
  private readonly ownInformers: SharedInformers | undefined;
  private readonly clock: Clock;
  private readonly stages: Stage[];
  private readonly random: () => number;

  constructor(private readonly client: RestClient, private readonly opts: SimulatedPoolOptions) {
    this.clock = opts.clock ?? realClock;
    this.stages = opts.stages ?? FAST_STAGES;
    this.random = opts.random ?? Math.random;
    opts.nodes.forEach((name, index) => this.nodes.set(name, {
      name, index, hostIP: `10.${200 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${(index % 256) + 1}`, nextPodIP: 2,
    }));
    if (!opts.informers) this.ownInformers = new SharedInformers(client, this.clock);
    this.pods = (opts.informers ?? this.ownInformers!).for(PODS);
    this.pods.on({
      add: (p) => this.consider(p),
      update: (_o, p) => this.consider(p),
      delete: (p) => this.cancel(keyOf(deletedObject(p))),
    });
  }

  private podCIDR(n: SimNode): string {
    return `10.${244 + Math.floor(n.index / 256)}.${n.index % 256}.0/24`;
  }

  private async register(n: SimNode, signal: AbortSignal): Promise<void> {
    n.uid = await registerNodeWithRetry(this.client, () => nodeObject({
      name: n.name, cpu: this.opts.cpu ?? "32", memory: this.opts.memory ?? "256Gi", pods: this.opts.pods ?? "110",
      internalIP: n.hostIP, podCIDR: this.podCIDR(n), runtimeVersion: "simulated://0.1.0", labels: { type: "simulated" }, kubeletPort: 0,
      // Local volumes are provisioned for simulated nodes too; nothing is ever mounted there.
      volumeDir: `/var/lib/tugboat/simulated/${n.name}/volumes`,
    }, this.clock.now()), { clock: this.clock, signal, log: this.opts.log });
  }

  async run(signal: AbortSignal): Promise<void> {
    // Stopped, nothing is armed again: a status write still in flight fails (its API is going away), and its
    // retry would otherwise arm the pod's stage anew every second, keeping the process alive for good.
    signal.addEventListener("abort", () => (this.stopped = true), { once: true });
    const all = [...this.nodes.values()];
    for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map((n) => this.register(n, signal)));
    const leases = this.renewLeases(signal);
    await this.ownInformers?.run(signal);
    await leases;
    for (const p of this.pending.values()) p.cancel();
  }

  /** Renews every node's Lease once per period, spread evenly over it. */
  private async renewLeases(signal: AbortSignal): Promise<void> {
    const period = this.opts.leaseRenewMs ?? 10_000;
    const all = [...this.nodes.values()];
    while (!signal.aborted) {
      const started = this.clock.now();
      for (let i = 0; i < all.length && !signal.aborted; i += 50) {
        await Promise.all(all.slice(i, i + 50).map((n) => renewNodeLease(this.client, n.name, n.uid, this.clock.now()).catch((err: unknown) => {
          this.opts.log?.({ level: "warn", component: "simulated-node", node: n.name, msg: "Renewing the lease failed", err: String(err) });
        })));
      }
      await sleep(this.clock, Math.max(0, period - (this.clock.now() - started)), signal);
    }
  }

  private cancel(key: string): void {
    this.pending.get(key)?.cancel();
    this.pending.delete(key);
  }

  /** Arms the first stage that selects the pod, unless that very stage is already armed. */
  private consider(pod: KubeObject): void {
    if (this.stopped) return;
    const node = this.nodes.get(((pod.spec ?? {}) as { nodeName?: string }).nodeName ?? "");
    if (!node) return;
    const key = keyOf(pod);
    const stage = this.stages.find((s) => s.selects(pod));
    if (!stage) return this.cancel(key);
    if (this.pending.get(key)?.stage === stage.name) return;
    this.cancel(key);
    const delay = stage.delayMs + this.random() * stage.jitterMs;
    const cancel = this.clock.setTimer(delay, () => {
      this.pending.delete(key);
      void this.fire(key, stage, node);
    });
    this.pending.set(key, { stage: stage.name, cancel });
  }

  private async fire(key: string, stage: Stage, node: SimNode): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    const pod = this.pods.lister().get(namespace, name);
    if (!pod || !stage.selects(pod)) return;
    const podIP = `10.${244 + Math.floor(node.index / 256)}.${node.index % 256}.${node.nextPodIP}`;
    node.nextPodIP = node.nextPodIP >= 254 ? 2 : node.nextPodIP + 1;
    const action = stage.act(pod, { now: this.clock.now(), podIP, hostIP: node.hostIP });
    try {
      if ("delete" in action) await this.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      // The patched pod isn't needed back: the informer brings it.
      else await this.client.call("PATCH", resourcePath(PODS, namespace, name, "status"), { body: { status: action.status }, contentType: PATCH_CONTENT_TYPES.merge });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.opts.log?.({ level: "warn", component: "simulated-node", node: node.name, pod: key, stage: stage.name, err: String(err) });
      const latest = this.pods.lister().get(namespace, name);
      if (latest && !this.stopped) this.clock.setTimer(1000, () => this.consider(latest));
    }
  }
}
