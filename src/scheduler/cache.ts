import type { KubeObject } from "../api/types.js";
import { NodeInfo } from "./node-info.js";

/**
 * Nodes and what is placed on them, kept from the informers plus pods this scheduler has bound but not yet
 * seen bound ("assumed"), so two pods aren't placed on the last free slot at once.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Where each counted pod is counted, by pod key, with the pod as counted. */
  private readonly placed = new Map<string, { node: string; pod: KubeObject }>();
  private ordered: NodeInfo[] | undefined;

  setNode(node: KubeObject): void {
    const info = new NodeInfo(node);
    for (const { node: name, pod } of this.placed.values()) if (name === info.name) info.add(pod);
    this.nodes.set(info.name, info);
    this.ordered = undefined;
  }

  deleteNode(name: string): void {
    this.nodes.delete(name);
    this.ordered = undefined;
  }

  /** Counts `pod` on `node` (replacing where it was counted before); nodeless or finished pods count nowhere. */
  place(key: string, pod: KubeObject, node: string | undefined): void {
    this.remove(key);
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (!node || phase === "Succeeded" || phase === "Failed") return;
    this.placed.set(key, { node, pod });
    this.nodes.get(node)?.add(pod);
  }

  remove(key: string): void {
    const was = this.placed.get(key);
    if (!was) return;
    this.placed.delete(key);
    this.nodes.get(was.node)?.add(was.pod, -1);
  }

  isPlaced(key: string): boolean {
    return this.placed.has(key);
  }

  get(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Nodes in name order (stable, so the rotating start spreads the search). */
  list(): NodeInfo[] {
    this.ordered ??= [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return this.ordered;
  }
}
