import type { RequestedNames } from "./certificates.js";

/**
 * The signers of kubernetes.io that Tugboat's controller manager runs, and what each accepts of a
 * request (upstream's certificates.k8s.io helpers: ValidateKubeletClientCSR, ValidateKubeletServingCSR,
 * and the kube-apiserver-client signer's usages). Each check returns upstream's error message or undefined.
 */

/** Client certificates for any user, approved by an admin (`kubectl certificate approve`). */
export const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";
/** Node agents' client certificates: `system:node:<name>` in system:nodes, no alternative names. */
export const KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet";
/** Node agents' serving certificates: `system:node:<name>` in system:nodes, for its DNS names and IPs. */
export const KUBELET_SERVING = "kubernetes.io/kubelet-serving";

export const NODE_USER_PREFIX = "system:node:";
export const NODES_GROUP = "system:nodes";

/** What the checks read of a request: its subject and alternative names. */
export type RequestShape = { commonName: string; organizations: string[] } & RequestedNames;

const sameSet = (a: string[], b: string[]) => {
  const x = new Set(a);
  return x.size === b.length && b.every((u) => x.has(u));
};

/** Upstream's validAPIServerClientUsages: digital signature and key encipherment allowed, client auth required, nothing else. */
export function apiServerClientUsagesError(usages: string[]): string | undefined {
  for (const u of usages) {
    if (u !== "digital signature" && u !== "key encipherment" && u !== "client auth") return `invalid usage for client certificate: ${u}`;
  }
  return usages.includes("client auth") ? undefined : "missing required usage for client certificate: client auth";
}

const nodesOnly = (req: RequestShape) => req.organizations.length === 1 && req.organizations[0] === NODES_GROUP;

/**
 * Upstream's ValidateKubeletClientCSR: O exactly system:nodes, no alternative names, CN system:node:…, and
 * the usages {digital signature, key encipherment, client auth} (key encipherment may be left out).
 */
export function kubeletClientError(req: RequestShape, usages: string[]): string | undefined {
  if (!nodesOnly(req)) return "subject organization is not system:nodes";
  if (req.dnsNames.length > 0) return "DNS subjectAltNames are not allowed";
  if (req.emailAddresses.length > 0) return "Email subjectAltNames are not allowed";
  if (req.ipAddresses.length > 0) return "IP subjectAltNames are not allowed";
  if (req.uris.length > 0) return "URI subjectAltNames are not allowed";
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return "subject common name does not begin with system:node:";
  if (!sameSet(usages, ["digital signature", "key encipherment", "client auth"]) && !sameSet(usages, ["digital signature", "client auth"])) {
    return "usages did not match [client auth digital signature key encipherment]";
  }
  return undefined;
}

/**
 * Upstream's ValidateKubeletServingCSR: O exactly system:nodes, at least one DNS or IP alternative name and
 * no email or URI, the usages {digital signature, key encipherment, server auth} (key encipherment may be
 * left out), CN system:node:….
 */
export function kubeletServingError(req: RequestShape, usages: string[]): string | undefined {
  if (!nodesOnly(req)) return "subject organization is not system:nodes";
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return "DNS or IP subjectAltName is required";
  if (req.emailAddresses.length > 0) return "Email subjectAltNames are not allowed";
  if (req.uris.length > 0) return "URI subjectAltNames are not allowed";
  if (!sameSet(usages, ["digital signature", "key encipherment", "server auth"]) && !sameSet(usages, ["digital signature", "server auth"])) {
    return "usages did not match [digital signature key encipherment server auth]";
  }
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return "subject common name does not begin with system:node:";
  return undefined;
}
