import { isPlainObject, type JsonObject, type KubeObject } from "../types.js";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Upstream's lastAppliedUpdater: a server-side apply by kubectl (manager `kubectl`) to an object that
 * carries client-side apply's annotation rewrites it to the configuration just applied, so a later
 * client-side `kubectl apply` computes its three-way patch from what was last applied, whichever way.
 * The annotation is the configuration as Go encodes it (keys sorted, a newline after), without itself.
 */
export function syncLastApplied(obj: KubeObject, config: KubeObject, manager: string): void {
  const annotations = obj.metadata.annotations;
  if (manager !== "kubectl" || !annotations || annotations[LAST_APPLIED] === undefined) return;
  const applied: JsonObject = { ...config, metadata: { ...config.metadata } };
  const meta = applied.metadata as JsonObject;
  if (isPlainObject(meta.annotations)) {
    const { [LAST_APPLIED]: _self, ...rest } = meta.annotations;
    meta.annotations = rest;
  }
  obj.metadata.annotations = { ...annotations, [LAST_APPLIED]: JSON.stringify(sorted(applied)) + "\n" };
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (!isPlainObject(value)) return value;
  const out: JsonObject = {};
  for (const k of Object.keys(value).sort()) out[k] = sorted(value[k]);
  return out;
}
