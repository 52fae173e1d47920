import type { Pod } from "kubernetes-types/core/v1.js";
import type { NodeAllocatable } from "./downward-api.js";
import type { VolumeSources } from "./payload.js";

/** How the node agent reads what volumes name; each call may go to the API server. */
export interface VolumeFetchers {
  /** A ConfigMap's data and binaryData, or a Secret's data, as bytes; undefined when it does not exist. */
  fetch(kind: "configmap" | "secret", namespace: string, name: string): Promise<Record<string, Uint8Array> | undefined>;
  /** The host directory of the PersistentVolume a claim is bound to, if this node can mount it. */
  claimPath(namespace: string, claim: string): Promise<string | undefined>;
  /** A TokenRequest (serviceaccounts/<name>/token) for the pod: the token, or a thrown Status error. */
  serviceAccountToken?(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string>;
  node: NodeAllocatable;
}

/** authentication.k8s.io/v1 TokenRequestSpec, as the kubelet sends it for a projected token. */
export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds: number;
  boundObjectRef: { apiVersion: "v1"; kind: "Pod"; name: string; uid: string };
}

/** Upstream's default expirationSeconds of a serviceAccountToken projection: one hour. */
const TOKEN_EXPIRATION_SECONDS = 3600;

/** The ConfigMaps and Secrets the pod's volumes name, projected sources included. */
export function volumeObjectRefs(pod: Pod): Array<{ kind: "configmap" | "secret"; name: string }> {
  const refs: Array<{ kind: "configmap" | "secret"; name: string }> = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap) refs.push({ kind: "configmap", name: v.configMap.name ?? "" });
    if (v.secret) refs.push({ kind: "secret", name: v.secret.secretName ?? "" });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) refs.push({ kind: "configmap", name: s.configMap.name ?? "" });
      if (s.secret) refs.push({ kind: "secret", name: s.secret.name ?? "" });
    }
  }
  return refs;
}

/**
 * Reads everything the pod's volumes name (objects, claims, tokens) so the set-up itself can run without
 * waiting. A token that can't be had is kept as upstream's error ("failed to fetch token: …") for the
 * volume to fail with; any other failure to read throws.
 */
export async function gatherVolumeSources(pod: Pod, f: VolumeFetchers): Promise<VolumeSources> {
  const ns = pod.metadata?.namespace ?? "default";
  const objects = new Map<string, Record<string, Uint8Array> | undefined>();
  for (const r of volumeObjectRefs(pod)) {
    const key = `${r.kind}/${r.name}`;
    if (!objects.has(key)) objects.set(key, await f.fetch(r.kind, ns, r.name));
  }
  const claims = new Map<string, string | undefined>();
  const tokens = new Map<string, { token: string } | { error: string }>();
  for (const v of pod.spec?.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim !== undefined) claims.set(claim, await f.claimPath(ns, claim));
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (!t) continue;
      const spec: TokenRequestSpec = {
        ...(t.audience ? { audiences: [t.audience] } : {}), expirationSeconds: t.expirationSeconds ?? TOKEN_EXPIRATION_SECONDS,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "" },
      };
      const key = tokenKey(t);
      if (tokens.has(key)) continue;
      try {
        if (!f.serviceAccountToken) throw new Error("the server could not find the requested resource");
        tokens.set(key, { token: await f.serviceAccountToken(ns, pod.spec?.serviceAccountName || "default", spec) });
      } catch (err) {
        tokens.set(key, { error: `failed to fetch token: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }
  return {
    configMap: (name) => objects.get(`configmap/${name}`),
    secret: (name) => objects.get(`secret/${name}`),
    claimPath: (claim) => claims.get(claim),
    token: (t) => tokens.get(tokenKey(t)) ?? { error: "failed to fetch token: no token requested" },
    node: f.node,
  };
}

const tokenKey = (t: { audience?: string; expirationSeconds?: number }) => `${t.audience ?? ""}/${t.expirationSeconds ?? TOKEN_EXPIRATION_SECONDS}`;
