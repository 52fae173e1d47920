import { canonicalJson } from "../../api/canonical.js";

/**
 * The JSON merge patch taking a pod's reported status to the computed one: undefined when they are equal,
 * otherwise the new status with `null` for every top-level field it drops.
 */
export function statusPatch(old: object, next: object): Record<string, unknown> | undefined {
  if (canonicalJson(old) === canonicalJson(next)) return undefined;
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(old)) if (!(k in next)) patch[k] = null;
  return patch;
}
