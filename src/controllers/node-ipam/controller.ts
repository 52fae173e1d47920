import type { Node } from "kubernetes-types/core/v1.js";
import { isConflict, isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { NODES } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { CidrOutOfRangeError, CidrSet } from "./cidr-set.js";

export interface NodeIpamOptions {
  informers: SharedInformers;
  /** --cluster-cidr: the range the nodes' pod CIDRs are cut from (tug up: 10.88.0.0/16). */
  clusterCIDR: string;
  /** --node-cidr-mask-size: each node's share (24: a /24, 254 pod IPs). */
  nodeCIDRMaskSize: number;
  /** --service-cluster-ip-range: where it overlaps the cluster CIDR, no node gets those addresses. */
  serviceCIDR?: string;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

const NAME = "node-ipam";

const podCIDRsOf = (node: KubeObject): string[] => {
  const spec = (node as unknown as Node).spec;
  return spec?.podCIDRs?.length ? spec.podCIDRs : spec?.podCIDR ? [spec.podCIDR] : [];
};

/**
 * Upstream's node IPAM controller with its range allocator (--allocate-node-cidrs): each Node without a
 * pod CIDR gets the next free /`nodeCIDRMaskSize` of the cluster CIDR in `spec.podCIDR(s)`, and gives it back
 * when the Node is deleted. Node agents wait for it and never pick one themselves.
 *
 * The guarantees: the free/used bitmap lives in memory and is rebuilt from every Node's `spec.podCIDR`
 * before the first allocation (so a restart never hands out a subnet a Node holds); a CIDR is written with
 * an update conditional on the Node's resourceVersion, so a stale cache (a CIDR written a moment ago and
 * not seen yet) ends in a conflict, the subnet is released and the Node is looked at again — never two
 * CIDRs for one Node, never one CIDR for two. A Node whose CIDR lies outside the cluster CIDR (a simulated
 * node's own, or a changed --cluster-cidr) is left as it is.
 *
 * Events as upstream's (source cidrAllocator): Warning CIDRNotAvailable when the range is exhausted,
 * Warning CIDRAssignmentFailed when the Node could not be updated.
 */
export class NodeIpamController {
  private readonly nodes: Informer;
  private readonly loop: ReconcileLoop;
  private readonly cidrs: CidrSet;
  private readonly recorder: EventRecorder;
  /** Nodes already warned about for a CIDR outside the range (once each). */
  private readonly foreign = new Set<string>();

  constructor(private readonly client: RestClient, private readonly opts: NodeIpamOptions) {
    const clock = opts.clock ?? realClock;
    this.cidrs = new CidrSet(opts.clusterCIDR, opts.nodeCIDRMaskSize);
    this.nodes = opts.informers.for(NODES);
    this.recorder = new EventRecorder(client, "cidrAllocator", { clock, log: opts.log });
    this.loop = new ReconcileLoop({ name: NAME, workers: 1, sync: (name) => this.sync(name), clock, metrics: opts.metrics, log: opts.log });
    this.nodes.on({
      add: (n) => this.loop.enqueue(n.metadata.name!),
      update: (_o, n) => this.loop.enqueue(n.metadata.name!),
      delete: (n) => {
        const node = deletedObject(n);
        this.release(node);
        // A subnet came free: Nodes backing off after CIDRNotAvailable need not wait out their back-off.
        for (const waiting of this.nodes.lister().list()) if (podCIDRsOf(waiting).length === 0) this.loop.enqueue(waiting.metadata.name!);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.nodes.waitForSync();
    if (this.opts.serviceCIDR && this.cidrs.overlaps(this.opts.serviceCIDR)) this.cidrs.occupy(this.opts.serviceCIDR);
    // Rebuild before any allocation: the Nodes are the record of what is taken.
    for (const node of this.nodes.lister().list()) this.occupy(node);
    await this.loop.run(signal);
  }

  private async sync(name: string): Promise<SyncResult> {
    const node = this.nodes.lister().get(undefined, name);
    if (!node) return;
    if (node.metadata.deletionTimestamp) return void this.release(node);
    if (podCIDRsOf(node).length > 0) return void this.occupy(node);
    let cidr: string;
    try {
      cidr = this.cidrs.allocateNext();
    } catch (err) {
      void this.event(node, "CIDRNotAvailable");
      throw err;
    }
    const spec = (node as unknown as Node).spec ?? {};
    try {
      // Conditional on the cached resourceVersion: a Node changed since (perhaps given a CIDR) is a conflict.
      await this.client.update(NODES, { ...node, spec: { ...spec, podCIDR: cidr, podCIDRs: [cidr] } } as KubeObject);
      this.opts.log?.({ level: "info", component: "controller-manager", controller: NAME, msg: "Set node PodCIDR", node: name, podCIDRs: [cidr] });
    } catch (err) {
      this.cidrs.release(cidr);
      if (!isConflict(err) && !isNotFound(err)) void this.event(node, "CIDRAssignmentFailed");
      throw err;
    }
  }

  private occupy(node: KubeObject): void {
    for (const cidr of podCIDRsOf(node)) {
      try {
        this.cidrs.occupy(cidr);
      } catch (err) {
        if (!(err instanceof CidrOutOfRangeError)) throw err;
        if (this.foreign.has(node.metadata.name!)) continue;
        this.foreign.add(node.metadata.name!);
        this.opts.log?.({ level: "debug", component: "controller-manager", controller: NAME, msg: "Node has a pod CIDR outside the cluster CIDR; leaving it", node: node.metadata.name, podCIDR: cidr, clusterCIDR: this.opts.clusterCIDR });
      }
    }
  }

  private release(node: KubeObject): void {
    this.foreign.delete(node.metadata.name!);
    for (const cidr of podCIDRsOf(node)) if (this.cidrs.overlaps(cidr)) this.cidrs.release(cidr);
  }

  /** Upstream's RecordNodeStatusChange. */
  private event(node: KubeObject, status: string): Promise<void> {
    return this.recorder.event({ ...node, apiVersion: "v1", kind: "Node" }, "Warning", status, `Node ${node.metadata.name} status is now: ${status}`);
  }
}
