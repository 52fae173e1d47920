import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { deletedObject } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import type { Kinded } from "./discovery.js";
import { ignoreGone } from "../kit/errors.js";

const ORPHAN = "orphan";
const FOREGROUND = "foregroundDeletion";

export interface GarbageCollectorOptions {
  resources: Kinded[];
  informers: SharedInformers;
  workers?: number;
  clock?: Clock;
  metrics?: ControllerMetrics;
  log?: (entry: Record<string, unknown>) => void;
}

interface Node {
  resource: Kinded;
  obj: KubeObject;
}

/**
 * The garbage collector: a graph of every object of every deletable resource, keyed by uid, with each
 * owner's dependents. One level-triggered sync per uid does both sides of ownership:
 * - as an owner being deleted with the `orphan` finalizer, it strips itself from its dependents'
 *   ownerReferences, then drops the finalizer; with `foregroundDeletion`, it has its dependents synced
 *   and drops the finalizer once no dependent that blocks owner deletion is left;
 * - as a dependent, it looks up its owners (a live read when the graph lacks one, so a cold cache never
 *   kills anything): when no live owner is left it is deleted (foreground if an owner waits on it); while
 *   one is, references to owners that are gone or being deleted in the foreground are removed.
 */
const ABSENT_OWNERS_CAP = 10_000;

export class GarbageCollector {
  private readonly nodes = new Map<string, Node>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byKind = new Map<string, Kinded>();
  /**
   * Owner uids the server said are gone (upstream's absentOwnerCache). A uid is never reused, so the
   * answer stays true; the cap only bounds memory. It spares the 10,000 dependents of a deleted
   * ReplicaSet 10,000 identical GETs.
   */
  private readonly absentOwners = new Set<string>();
  private readonly loop: ReconcileLoop;

  constructor(private readonly client: RestClient, private readonly opts: GarbageCollectorOptions) {
    // First the loop: an informer that has synced already replays its cache into the handlers at once.
    this.loop = new ReconcileLoop({ name: "garbage-collector", workers: opts.workers ?? 20, sync: (uid) => this.sync(uid), clock: opts.clock ?? realClock, metrics: opts.metrics, log: opts.log });
    for (const r of opts.resources) {
      this.byKind.set(`${r.group ? `${r.group}/` : ""}${r.version}/${r.kind}`, r);
      opts.informers.for(r).on({
        add: (o) => this.observe(r, o),
        update: (old, o) => this.observe(r, o, old),
        delete: (o) => this.forget(deletedObject(o)),
      });
    }
  }

  private link(obj: KubeObject, add: boolean): void {
    const uid = obj.metadata.uid!;
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (add) {
        if (!set) this.dependents.set(ref.uid, (set = new Set()));
        set.add(uid);
      } else if (set) {
        set.delete(uid);
        if (set.size === 0) this.dependents.delete(ref.uid);
      }
    }
  }

  private observe(resource: Kinded, obj: KubeObject, old?: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.nodes.set(uid, { resource, obj });
    // Only what the graph is made of matters: a status update of a pod changes nothing here.
    const refsChanged = !old || JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(obj.metadata.ownerReferences ?? []);
    const deletionChanged = !old || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp
      || JSON.stringify(old.metadata.finalizers ?? []) !== JSON.stringify(obj.metadata.finalizers ?? []);
    if (!refsChanged && !deletionChanged) return;
    if (old) this.link(old, false);
    this.link(obj, true);
    const fins = obj.metadata.finalizers ?? [];
    if ((obj.metadata.ownerReferences?.length ?? 0) > 0 || (obj.metadata.deletionTimestamp && (fins.includes(ORPHAN) || fins.includes(FOREGROUND)))) {
      this.loop.enqueue(uid);
    }
    // Owners this object no longer refers to may have been waiting on it.
    if (refsChanged) for (const ref of old?.metadata.ownerReferences ?? []) this.loop.enqueue(ref.uid);
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.link(obj, false);
    this.nodes.delete(uid);
    for (const dep of this.dependents.get(uid) ?? []) this.loop.enqueue(dep);
    for (const ref of obj.metadata.ownerReferences ?? []) this.loop.enqueue(ref.uid);
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.opts.informers.waitForSync();
    await this.loop.run(signal);
  }

  private dependentsOf(uid: string): Node[] {
    return [...(this.dependents.get(uid) ?? [])].flatMap((d) => {
      const n = this.nodes.get(d);
      return n ? [n] : [];
    });
  }

  private async sync(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const { obj } = node;
    const fins = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && fins.includes(ORPHAN)) return this.orphanDependents(node);
    if (obj.metadata.deletionTimestamp && fins.includes(FOREGROUND)) return this.deleteDependents(node);
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return;

    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    let alive = 0;
    for (const ref of refs) {
      const state = await this.ownerState(obj, ref);
      if (state === "absent") dangling.push(ref);
      else if (state === "foreground") waiting.push(ref);
      else if (state === "present") alive++;
      else return; // an owner kind nobody serves: leave the object alone, as upstream cannot decide either
    }
    if (alive === 0) {
      const blocking = waiting.some((r) => r.blockOwnerDeletion);
      this.opts.log?.({ level: "info", component: "controller-manager", controller: "garbage-collector", msg: "Deleting an object whose owners are gone", object: describe(node) });
      await this.client.delete(node.resource, obj.metadata.namespace, obj.metadata.name!, {
        propagationPolicy: blocking ? "Foreground" : "Background", preconditions: { uid },
      }).catch(ignoreGone);
      return;
    }
    // Another owner still holds it: it lives on, without the owners that are gone or being deleted
    // (upstream's "solid" owner: a dependent is never collected while one remains).
    if (dangling.length + waiting.length > 0) {
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.patchMeta(node, { ownerReferences: refs.filter((r) => !drop.has(r.uid)) });
    }
  }

  /** present / absent / foreground (being deleted, waiting for its dependents) / unknown kind. */
  private async ownerState(dependent: KubeObject, ref: OwnerReference): Promise<"present" | "absent" | "foreground" | "unknown"> {
    const known = this.nodes.get(ref.uid);
    const waitsOnDependents = (o: KubeObject) => !!o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FOREGROUND);
    if (known) return waitsOnDependents(known.obj) ? "foreground" : "present";
    const resource = this.byKind.get(`${ref.apiVersion}/${ref.kind}`);
    if (!resource) return "unknown";
    if (this.absentOwners.has(ref.uid)) return "absent";
    // Not in the graph: ask the server, so a cache that lags never costs an object its life.
    try {
      const live = await this.client.get(resource, resource.namespaced ? dependent.metadata.namespace : undefined, ref.name);
      if (live.metadata.uid !== ref.uid) return this.absent(ref.uid);
      return waitsOnDependents(live) ? "foreground" : "present";
    } catch (err) {
      if (isNotFound(err)) return this.absent(ref.uid);
      throw err;
    }
  }

  private absent(uid: string): "absent" {
    if (this.absentOwners.size >= ABSENT_OWNERS_CAP) this.absentOwners.delete(this.absentOwners.values().next().value!);
    this.absentOwners.add(uid);
    return "absent";
  }

  private async orphanDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    for (const dep of this.dependentsOf(uid)) {
      await this.patchMeta(dep, { ownerReferences: (dep.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid) });
    }
    await this.patchMeta(owner, { finalizers: (owner.obj.metadata.finalizers ?? []).filter((f) => f !== ORPHAN) });
  }

  /**
   * Foreground deletion: each dependent decides in its own sync (deleted when this owner was its last,
   * released when another owner still holds it); the owner's finalizer goes once none blocks it.
   */
  private deleteDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    const deps = this.dependentsOf(uid);
    for (const dep of deps) if (!dep.obj.metadata.deletionTimestamp) this.loop.enqueue(dep.obj.metadata.uid!);
    const stillBlocking = deps.some((d) => (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion));
    if (stillBlocking) return Promise.resolve();
    return this.patchMeta(owner, { finalizers: (owner.obj.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND) });
  }

  /** A metadata merge patch at the cached resourceVersion: if the object moved on, the sync runs again. */
  private async patchMeta(node: Node, meta: { ownerReferences?: OwnerReference[]; finalizers?: string[] }): Promise<void> {
    const o = node.obj;
    const body: Record<string, unknown> = { resourceVersion: o.metadata.resourceVersion };
    if (meta.ownerReferences) body.ownerReferences = meta.ownerReferences.length ? meta.ownerReferences : null;
    if (meta.finalizers) body.finalizers = meta.finalizers.length ? meta.finalizers : null;
    await this.client.patch(node.resource, o.metadata.namespace, o.metadata.name!, "merge", { metadata: body }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}

function describe(node: Node): string {
  const m = node.obj.metadata;
  return `${node.resource.resource}/${m.namespace ? `${m.namespace}/` : ""}${m.name}`;
}
