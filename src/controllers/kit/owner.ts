import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../api/types.js";
import type { Informer } from "../../client/informer.js";

/** The object's controller reference (the owner with controller: true), if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/**
 * The owner of `kind` that `obj`'s controller reference points at, if the cache holds it with that uid
 * (upstream's resolveControllerRef: a namesake created since is not the owner).
 */
export function resolveControllerRef(owners: Informer, obj: KubeObject, kind: string): KubeObject | undefined {
  const ref = controllerOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const owner = owners.lister().get(obj.metadata.namespace, ref.name);
  return owner?.metadata.uid === ref.uid ? owner : undefined;
}

/** A controller reference to `owner`, as controllers set it on what they create. */
export function controllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return i < 0 ? ["", key] : [key.slice(0, i), key.slice(i + 1)];
}
