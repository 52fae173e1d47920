import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../../api/types.js";
import type { ViewHandlers } from "../../store-view.js";
import { podReferences, type GraphResource } from "./pod-references.js";

interface PodEntry {
  node: string;
  refs: string[];
}

/**
 * Upstream's node authorizer graph, kept as indexes: for every node, the objects its pods use (with how
 * many pods use each), and which PersistentVolume each claim is bound to. A node may read an object only
 * while a pod bound to it uses that object. Fed by {@link followStore} with pods and claims.
 */
export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  private readonly byNode = new Map<string, Map<string, number>>();
  private readonly volumeOfClaim = new Map<string, string>();

  readonly podHandlers: ViewHandlers = {
    put: (obj) => this.setPod(obj),
    removed: (obj) => this.dropPod(key(obj.metadata.namespace, obj.metadata.name)),
    reset: () => {
      this.pods.clear();
      this.byNode.clear();
    },
  };

  readonly claimHandlers: ViewHandlers = {
    put: (obj) => {
      const volume = (obj.spec as { volumeName?: string } | undefined)?.volumeName;
      const k = key(obj.metadata.namespace, obj.metadata.name);
      if (volume) this.volumeOfClaim.set(k, volume);
      else this.volumeOfClaim.delete(k);
    },
    removed: (obj) => void this.volumeOfClaim.delete(key(obj.metadata.namespace, obj.metadata.name)),
    reset: () => this.volumeOfClaim.clear(),
  };

  /** The node pod `namespace/name` is bound to: `""` while it is bound to none, `undefined` when there is no such pod. */
  nodeOf(namespace: string, name: string): string | undefined {
    return this.pods.get(key(namespace, name))?.node;
  }

  /** A pod bound to `node` uses this object (a PersistentVolume: through a claim bound to it). */
  relates(node: string, resource: GraphResource | "persistentvolumes", namespace: string, name: string): boolean {
    const used = this.byNode.get(node);
    if (!used) return false;
    if (resource !== "persistentvolumes") return used.has(`${resource}/${key(namespace, name)}`);
    for (const ref of used.keys()) {
      if (ref.startsWith("persistentvolumeclaims/") && this.volumeOfClaim.get(ref.slice("persistentvolumeclaims/".length)) === name) return true;
    }
    return false;
  }

  private setPod(obj: KubeObject): void {
    const k = key(obj.metadata.namespace, obj.metadata.name);
    this.dropPod(k);
    const pod = obj as unknown as Pod;
    const node = pod.spec?.nodeName;
    if (!node) return void this.pods.set(k, { node: "", refs: [] });
    const refs = [...new Set(podReferences(pod).map((r) => `${r.resource}/${key(obj.metadata.namespace, r.name)}`))];
    this.pods.set(k, { node, refs });
    let used = this.byNode.get(node);
    if (!used) this.byNode.set(node, (used = new Map()));
    for (const r of refs) used.set(r, (used.get(r) ?? 0) + 1);
  }

  private dropPod(k: string): void {
    const entry = this.pods.get(k);
    if (!entry) return;
    this.pods.delete(k);
    if (entry.node === "") return;
    const used = this.byNode.get(entry.node)!;
    for (const r of entry.refs) {
      const n = (used.get(r) ?? 1) - 1;
      if (n > 0) used.set(r, n);
      else used.delete(r);
    }
    if (used.size === 0) this.byNode.delete(entry.node);
  }
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}
