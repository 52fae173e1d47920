import type { Node, NodeCondition, Pod, Taint } from "kubernetes-types/core/v1.js";
import { formatTime } from "../../api/meta.js";
import { evictionTime } from "../../api/taints.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, sleep, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { conditionTaints, unknownConditions } from "./node-health.js";
import { LEASES, NODES, PODS } from "../../client/resources.js";
import { ignoreGone } from "../kit/errors.js";


export interface NodeLifecycleOptions {
  informers: SharedInformers;
  /** How long a node's agent may stay silent before it is Unknown (--node-monitor-grace-period, 40 s). */
  gracePeriodMs?: number;
  /** How often nodes and pods are checked (upstream's --node-monitor-period, 5 s). */
  monitorPeriodMs?: number;
  clock?: Clock;
  log?: (entry: Record<string, unknown>) => void;
}

interface Observed {
  renewTime?: string;
  heartbeat?: string;
  probeTimestamp: number;
}

const asNode = (o: KubeObject) => o as unknown as Node;
const asPod = (o: KubeObject) => o as unknown as Pod;

/**
 * Upstream's node lifecycle controller with its taint-based eviction: a node whose Lease and status have
 * not moved for the grace period turns Unknown and its pods NotReady; nodes carry the not-ready or
 * unreachable taints their Ready condition calls for; pods on NoExecute-tainted nodes are evicted once
 * their tolerations run out (the 300 s default tolerations, unless the pod says otherwise).
 */
export class NodeLifecycleController {
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly observed = new Map<string, Observed>();
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;

  constructor(private readonly client: RestClient, private readonly opts: NodeLifecycleOptions) {
    this.clock = opts.clock ?? realClock;
    this.nodes = opts.informers.for(NODES);
    this.leases = opts.informers.for(LEASES);
    this.pods = opts.informers.for(PODS);
    this.recorder = new EventRecorder(client, "node-controller", { clock: this.clock, log: opts.log });
  }

  /** Monitors every period once the (separately started) shared informers have synced. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.nodes.waitForSync(), this.leases.waitForSync(), this.pods.waitForSync()]);
    while (!signal.aborted) {
      await this.monitor().catch((err: unknown) => this.opts.log?.({ level: "warn", component: "node-lifecycle", msg: "Monitoring nodes failed", err: String(err) }));
      await sleep(this.clock, this.opts.monitorPeriodMs ?? 5000, signal);
    }
  }

  /** One pass over every node and the pods on tainted nodes. */
  async monitor(): Promise<void> {
    const now = this.clock.now();
    for (const obj of this.nodes.lister().list()) {
      const node = asNode(obj);
      const name = node.metadata?.name ?? "";
      const conditions = node.status?.conditions ?? [];
      const renewTime = (this.leases.lister().get("kube-node-lease", name)?.spec as { renewTime?: string } | undefined)?.renewTime;
      const heartbeat = conditions.find((c) => c.type === "Ready")?.lastHeartbeatTime;
      const seen = this.observed.get(name);
      if (!seen || seen.renewTime !== renewTime || seen.heartbeat !== heartbeat) this.observed.set(name, { renewTime, heartbeat, probeTimestamp: now });
      let ready = conditions.find((c) => c.type === "Ready")?.status;
      const probe = this.observed.get(name)!.probeTimestamp;
      if (now - probe > (this.opts.gracePeriodMs ?? 40_000)) {
        const unknown = unknownConditions(conditions, now);
        if (unknown) {
          await this.markUnknown(obj, unknown);
          ready = "Unknown";
        }
      }
      const taints = conditionTaints(node.spec?.taints ?? [], ready, now);
      if (taints) await this.setTaints(name, taints);
      const current = taints ?? node.spec?.taints ?? [];
      if (current.some((t) => t.effect === "NoExecute")) await this.evict(name, current, now);
    }
    for (const name of [...this.observed.keys()]) if (!this.nodes.lister().get(undefined, name)) this.observed.delete(name);
  }

  private async markUnknown(node: KubeObject, conditions: NodeCondition[]): Promise<void> {
    const name = node.metadata.name!;
    await this.client.patch(NODES, undefined, name, "merge", { status: { conditions } }, "status");
    this.opts.log?.({ level: "info", component: "node-lifecycle", node: name, msg: "Node stopped posting status: Unknown" });
    void this.recorder.event({ ...node, apiVersion: "v1", kind: "Node", metadata: { ...node.metadata, namespace: "" } }, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
    // MarkPodsNotReady: nobody vouches for the pods of a silent node.
    for (const p of this.pods.lister().byIndex("node", name)) {
      const pod = asPod(p);
      const readyCond = pod.status?.conditions?.find((c) => c.type === "Ready");
      if (!readyCond || readyCond.status === "False") continue;
      const conds = (pod.status?.conditions ?? []).map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: formatTime(this.clock.now()) } : c));
      await this.client.patch(PODS, p.metadata.namespace, p.metadata.name!, "merge", { status: { conditions: conds } }, "status").catch(ignoreGone);
    }
  }

  private async setTaints(name: string, taints: Taint[]): Promise<void> {
    const node = this.nodes.lister().get(undefined, name);
    if (!node) return;
    // An update at the informer's resourceVersion: a concurrent `kubectl taint` wins, and the next pass retries.
    await this.client.update(NODES, { ...node, spec: { ...(node.spec as object), taints } }).catch(ignoreGone);
  }

  private async evict(nodeName: string, taints: Taint[], now: number): Promise<void> {
    for (const p of this.pods.lister().byIndex("node", nodeName)) {
      const pod = asPod(p);
      if (p.metadata.deletionTimestamp || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
      const at = evictionTime(pod.spec?.tolerations ?? [], taints, now);
      if (at === "never" || (at !== "now" && at > now)) continue;
      const ref = `${p.metadata.namespace}/${p.metadata.name}`;
      void this.recorder.event({ ...p, apiVersion: "v1", kind: "Pod" }, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${ref}`);
      const conds = [...(pod.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget"), {
        type: "DisruptionTarget", status: "True", lastTransitionTime: formatTime(now), reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint",
      }];
      await this.client.patch(PODS, p.metadata.namespace, p.metadata.name!, "merge", { status: { conditions: conds } }, "status").catch(ignoreGone);
      await this.client.delete(PODS, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } }).catch(ignoreGone);
      this.opts.log?.({ level: "info", component: "node-lifecycle", node: nodeName, pod: ref, msg: "Evicted pod from tainted node" });
    }
  }
}
