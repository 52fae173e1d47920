import { canonicalJson } from "../../api/canonical.js";

/** The alphabet of upstream's rand.SafeEncodeString: no vowels, no look-alikes (0/o, 1/l, 3/e). */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/**
 * Upstream's ComputeHash, for pod-template-hash and controller-revision-hash: an FNV-1a 32-bit hash of
 * the value (here its canonical JSON) and, once a collision happened, of collisionCount as 8 little-endian
 * bytes; the decimal digits of that number are then mapped onto SAFE. A hash such as 3474080005 becomes
 * "78c84d4449" (digit d → SAFE[(48 + d) % 27]).
 */
export function computeHash(value: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(value)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return [...String(h)].map((ch) => SAFE[ch.charCodeAt(0) % SAFE.length]).join("");
}
