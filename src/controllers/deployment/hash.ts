import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { canonicalJson } from "../../api/canonical.js";
import { computeHash } from "../kit/hash.js";

/** The label a Deployment puts on each ReplicaSet's selector, template and pods. */
export const POD_TEMPLATE_HASH = "pod-template-hash";

/** The pod-template-hash of a template: names read `deploy-demo-78c84d4449`. */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  return computeHash(template ?? {}, collisionCount);
}

function withoutHash(template: PodTemplateSpec | undefined): string {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  const meta = { ...(template?.metadata ?? {}), labels: Object.keys(labels).length ? labels : undefined };
  return canonicalJson({ ...(template ?? {}), metadata: meta });
}

/** Upstream's EqualIgnoreHash: the same template once the pod-template-hash label is set aside. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return withoutHash(a) === withoutHash(b);
}
