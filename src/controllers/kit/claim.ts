import { isNotFound } from "../../api/errors.js";
import type { Selector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import type { Informer } from "../../client/informer.js";
import type { ResourceRef, RestClient } from "../../client/rest.js";

import { controllerOf, controllerRef } from "./owner.js";

/** The owner side of a claim: the object, how to reference it, and its selector. */
export interface ClaimOwner {
  object: KubeObject;
  apiVersion: string;
  kind: string;
  resource: ResourceRef;
  selector: Selector | undefined;
}

/**
 * Upstream's ControllerRefManager: of `children` (pods of a ReplicaSet, ReplicaSets of a Deployment),
 * returns those the owner controls after adopting matching orphans and releasing owned children that no
 * longer match. Adoption is rechecked once per claim with a live read, so an owner being deleted (or
 * replaced by a namesake) never adopts from a stale cache. Every write is a patch guarded by the child's
 * resourceVersion: a child that vanished is skipped; a concurrent change (409) fails the claim, so the
 * owner's key is retried with back-off, as upstream's ClaimPods error does — swallowing it would lose the
 * adoption of an orphan whose status changed meanwhile, since no later event of the orphan wakes the owner.
 */
export async function claimChildren<T extends KubeObject>(client: RestClient, owner: ClaimOwner, childResource: ResourceRef, children: T[]): Promise<T[]> {
  const uid = owner.object.metadata.uid;
  const deleting = !!owner.object.metadata.deletionTimestamp;
  const mine: T[] = [];
  let canAdopt: boolean | undefined;
  const setOwners = (child: T, refs: unknown[]) => client.patch(childResource, child.metadata.namespace, child.metadata.name!, "merge", {
    metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: child.metadata.resourceVersion },
  });
  for (const child of children) {
    const ref = controllerOf(child);
    const matches = owner.selector?.matches(child.metadata.labels) === true;
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || deleting) mine.push(child);
      else await setOwners(child, (child.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)).catch(ignoreNotFound);
      continue;
    }
    if (!matches || deleting || child.metadata.deletionTimestamp) continue;
    canAdopt ??= await stillOwner(client, owner);
    if (!canAdopt) continue;
    try {
      await setOwners(child, [...(child.metadata.ownerReferences ?? []), controllerRef(owner.object, owner.apiVersion, owner.kind)]);
      mine.push(child);
    } catch (err) {
      ignoreNotFound(err);
    }
  }
  return mine;
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

async function stillOwner(client: RestClient, owner: ClaimOwner): Promise<boolean> {
  try {
    const fresh = await client.get(owner.resource, owner.object.metadata.namespace, owner.object.metadata.name!);
    return fresh.metadata.uid === owner.object.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * The children a claim looks at, from an informer with the shared owner and orphan indices: those that
 * reference this owner, and the namespace's orphans it may adopt.
 */
export function claimCandidates(children: Informer, owner: KubeObject): KubeObject[] {
  const lister = children.lister();
  const owned = lister.byIndex("owner", owner.metadata.uid ?? "");
  const orphans = lister.byIndex("orphan", owner.metadata.namespace ?? "");
  return owned.length === 0 ? orphans : [...new Set([...owned, ...orphans])];
}
