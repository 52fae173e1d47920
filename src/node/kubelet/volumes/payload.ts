import type { KeyToPath, Pod, ProjectedVolumeSource } from "kubernetes-types/core/v1.js";
import type { FileProjection } from "./atomic-writer.js";
import { aggregate, DownwardApiError, downwardApiPayload, type NodeAllocatable } from "./downward-api.js";

/** What a volume's set-up reads: the objects it names (bytes), pre-fetched, and the node's allocatable. */
export interface VolumeSources {
  /** A ConfigMap's data and binaryData as bytes; undefined when it does not exist. */
  configMap(name: string): Record<string, Uint8Array> | undefined;
  /** A Secret's data, decoded; undefined when it does not exist. */
  secret(name: string): Record<string, Uint8Array> | undefined;
  /** Where a claim's bound volume lives on this host. */
  claimPath?(claim: string): string | undefined;
  /** The token a serviceAccountToken source gets (by its audience and expiry), or why there is none. */
  token?(source: { audience?: string; expirationSeconds?: number }): { token: string } | { error: string };
  node: NodeAllocatable;
}

/** Why a volume's files can't be made; the volume's set-up fails with this message. */
export class PayloadError extends Error {}

export const DEFAULT_MODE = 0o644;

/**
 * Upstream's configmap/secret MakePayload: without items every key is a file named after it (mode
 * `defaultMode`); with items only those keys, at their paths, with their own mode if set. A key the object
 * lacks is skipped when the volume is optional, otherwise the whole volume fails.
 */
export function objectPayload(kind: "configmap" | "secret", data: Record<string, Uint8Array>, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  if (!items?.length) {
    for (const [key, bytes] of Object.entries(data)) out.set(key, { data: bytes, mode: defaultMode });
    return out;
  }
  for (const item of items) {
    const bytes = data[item.key];
    if (bytes === undefined) {
      if (optional) continue;
      throw new PayloadError(kind === "configmap" ? `configmap references non-existent config key: ${item.key}` : `references non-existent secret key: ${item.key}`);
    }
    out.set(item.path, { data: bytes, mode: item.mode ?? defaultMode });
  }
  return out;
}

/** A configMap or secret volume's files: a missing object fails the volume unless it is optional (then: no files). */
export function configMapOrSecretPayload(kind: "configmap" | "secret", name: string, sources: VolumeSources, o: { items?: KeyToPath[]; defaultMode?: number; optional?: boolean }): Map<string, FileProjection> {
  const data = kind === "configmap" ? sources.configMap(name) : sources.secret(name);
  if (!data && !o.optional) throw new PayloadError(`${kind} "${name}" not found`);
  return objectPayload(kind, data ?? {}, o.items, o.defaultMode ?? DEFAULT_MODE, o.optional ?? false);
}

/**
 * Upstream's projected collectData: the files of every source in one directory, a later source's file
 * replacing an earlier one's at the same path, every source mode-defaulted by the projection's
 * `defaultMode`. Errors of all sources are reported together; an optional source that is missing adds nothing.
 */
export function projectedPayload(pod: Pod, projected: ProjectedVolumeSource, sources: VolumeSources): Map<string, FileProjection> {
  const defaultMode = projected.defaultMode ?? DEFAULT_MODE;
  const out = new Map<string, FileProjection>();
  const errors: string[] = [];
  for (const s of projected.sources ?? []) {
    try {
      let part = new Map<string, FileProjection>();
      if (s.configMap) part = configMapOrSecretPayload("configmap", s.configMap.name ?? "", sources, { ...s.configMap, defaultMode });
      else if (s.secret) part = configMapOrSecretPayload("secret", s.secret.name ?? "", sources, { ...s.secret, defaultMode });
      else if (s.downwardAPI) part = downwardApiPayload(pod, s.downwardAPI.items ?? [], defaultMode, sources.node);
      else if (s.serviceAccountToken) {
        const t = sources.token?.(s.serviceAccountToken) ?? { error: "failed to fetch token: the server could not find the requested resource" };
        if ("error" in t) throw new PayloadError(t.error);
        // Owner-only when someone owns it: the fsGroup's ownership then adds group read (0640).
        const fsUser = fsUserOf(pod);
        const mode = fsUser !== undefined || pod.spec?.securityContext?.fsGroup !== undefined ? 0o600 : defaultMode;
        part.set(s.serviceAccountToken.path, { data: Buffer.from(t.token, "utf8"), mode, ...(fsUser === undefined ? {} : { fsUser }) });
      }
      for (const [k, v] of part) out.set(k, v);
    } catch (err) {
      if (!(err instanceof PayloadError) && !(err instanceof DownwardApiError)) throw err;
      errors.push(err.message);
    }
  }
  if (errors.length) throw new PayloadError(aggregate(errors));
  return out;
}

/**
 * Upstream's FsUserFrom: the uid every container of the pod runs as (its runAsUser, else the pod's), or
 * undefined when one sets none or two differ.
 */
export function fsUserOf(pod: Pod): number | undefined {
  const spec = pod.spec;
  const all = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const uids = all.map((c) => c.securityContext?.runAsUser ?? spec?.securityContext?.runAsUser);
  const first = uids[0];
  return first !== undefined && uids.every((u) => u === first) ? first : undefined;
}
