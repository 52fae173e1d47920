import type { KubeObject } from "../api/types.js";
import { controllerOf, NodeInfo } from "./node-info.js";

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
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    const counts = !!node && phase !== "Succeeded" && phase !== "Failed";
    // Seen again where it is counted (a status update): what a pod requests can't change, so unless its
    // controller did, it is counted right already.
    const was = this.placed.get(key);
    if (counts && was && was.node === node && was.pod.metadata.uid === pod.metadata.uid && controllerOf(was.pod) === controllerOf(pod)) return;
    this.remove(key);
    if (!counts) return;
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
