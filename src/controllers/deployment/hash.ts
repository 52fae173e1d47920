import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { canonicalJson } from "../../api/canonical.js";
import { computeHash } from "../kit/hash.js";

/** The label a Deployment puts on each ReplicaSet's selector, template and pods. */
export const POD_TEMPLATE_HASH = "pod-template-hash";

/** The pod-template-hash of a template: names read `deploy-demo-78c84d4449`. */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  return computeHash(template ?? {}, collisionCount);
}

/**
 * Canonical JSON of templates without the hash label, by template object: a sync compares its template
 * with every ReplicaSet's, several times, and cached ReplicaSets (and their templates) never change.
 */
const canonicalTemplates = new WeakMap<PodTemplateSpec, string>();

function withoutHash(template: PodTemplateSpec | undefined): string {
  if (!template) return canonicalWithoutHash(undefined);
  let json = canonicalTemplates.get(template);
  if (json === undefined) canonicalTemplates.set(template, (json = canonicalWithoutHash(template)));
  return json;
}

function canonicalWithoutHash(template: PodTemplateSpec | undefined): string {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  const meta = { ...(template?.metadata ?? {}), labels: Object.keys(labels).length ? labels : undefined };
  return canonicalJson({ ...(template ?? {}), metadata: meta });
}

/** Upstream's EqualIgnoreHash: the same template once the pod-template-hash label is set aside. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return withoutHash(a) === withoutHash(b);
}
