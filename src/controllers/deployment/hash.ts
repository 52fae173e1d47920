import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { canonicalJson } from "../../api/canonical.js";

/** The label a Deployment puts on each ReplicaSet's selector, template and pods. */
export const POD_TEMPLATE_HASH = "pod-template-hash";

/** The alphabet of upstream's rand.SafeEncodeString: no vowels, no look-alikes (0/o, 1/l, 3/e). */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/**
 * The pod-template-hash of a template, built as upstream's ComputeHash: an FNV-1a 32-bit hash of the
 * template (here its canonical JSON) and, once a collision happened, of collisionCount as 8 little-endian
 * bytes; the decimal digits of that number are then mapped onto SAFE. A hash such as 3474080005 becomes
 * "78c84d4449" (digit d → SAFE[(48 + d) % 27]), so names read `deploy-demo-78c84d4449`.
 */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return [...String(h)].map((ch) => SAFE[ch.charCodeAt(0) % SAFE.length]).join("");
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
