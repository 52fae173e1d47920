import type { KubeObject } from "../../api/types.js";
import type { Selector } from "../../api/labels.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Handlers, type Informer, type Tombstone } from "../../client/informer.js";
import type { Expectations } from "./expectations.js";
import { controllerOf, resolveControllerRef } from "./owner.js";

export interface OwnedPodEvents {
  /** The owners' informer, and the kind their controller references name. */
  owners: Informer;
  kind: string;
  selector(owner: KubeObject): Selector | undefined;
  expectations: Expectations;
  enqueue(key: string): void;
  enqueueAfter(key: string, ms: number): void;
}

/**
 * The pod event handlers every pod-owning controller registers (upstream's addPod/updatePod/deletePod):
 * a pod's owner is told about its pod's creation, change and deletion (observing the expectations); an
 * orphan wakes every owner whose selector matches it, as each may adopt it; a pod that just turned ready
 * looks at its owner again once minReadySeconds have passed.
 */
export function ownedPodHandlers(o: OwnedPodEvents): Handlers<KubeObject> {
  const ownerOf = (pod: KubeObject) => resolveControllerRef(o.owners, pod, o.kind);
  const matchingOwners = (pod: KubeObject) => o.owners.lister().list(pod.metadata.namespace).filter((owner) => o.selector(owner)?.matches(pod.metadata.labels) === true);
  const deleted = (p: KubeObject | Tombstone<KubeObject>) => {
    const pod = deletedObject(p);
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== o.kind) return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    o.expectations.deletionObserved(key);
    o.enqueue(key);
  };
  return {
    add(pod) {
      if (pod.metadata.deletionTimestamp) return deleted(pod);
      const owner = ownerOf(pod);
      if (owner) {
        o.expectations.creationObserved(keyOf(owner));
        return o.enqueue(keyOf(owner));
      }
      if (!controllerOf(pod)) for (const m of matchingOwners(pod)) o.enqueue(keyOf(m));
    },
    update(old, pod) {
      if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
        deleted(pod);
        const before = ownerOf(old);
        if (before) o.enqueue(keyOf(before));
        return;
      }
      const before = ownerOf(old);
      const after = ownerOf(pod);
      if (before && before !== after) o.enqueue(keyOf(before));
      if (after) {
        o.enqueue(keyOf(after));
        const minReady = (after.spec as { minReadySeconds?: number } | undefined)?.minReadySeconds ?? 0;
        if (minReady > 0) o.enqueueAfter(keyOf(after), minReady * 1000 + 1);
        return;
      }
      const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
      if (!controllerOf(pod) && (labelsChanged || controllerOf(old))) for (const m of matchingOwners(pod)) o.enqueue(keyOf(m));
    },
    delete: deleted,
  };
}

/**
 * Handlers for objects a controller owns but does not count (ControllerRevisions, a CronJob's Jobs): any
 * change to one wakes the owner of `kind` its controller reference names.
 */
export function controllerRefHandlers(kind: string, enqueue: (key: string) => void): Handlers<KubeObject> {
  const changed = (obj: KubeObject) => {
    const ref = controllerOf(obj);
    if (ref?.kind === kind) enqueue(`${obj.metadata.namespace}/${ref.name}`);
  };
  return { add: changed, update: (_o, n) => changed(n), delete: (o) => changed(deletedObject(o)) };
}
