import { createHash } from "node:crypto";

/**
 * Names shared by the API server (which issues and verifies service account tokens) and the controllers
 * (the legacy token controller writes Secret-based tokens): upstream's k8s.io/api/core/v1 constants and
 * the claims of legacy tokens (pkg/serviceaccount/legacy.go).
 */

/** The Secret type of legacy tokens, and its annotations and keys. */
export const SERVICE_ACCOUNT_TOKEN_SECRET = "kubernetes.io/service-account-token";
export const SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name";
export const SERVICE_ACCOUNT_UID_ANNOTATION = "kubernetes.io/service-account.uid";
export const SERVICE_ACCOUNT_TOKEN_KEY = "token";
export const SERVICE_ACCOUNT_ROOT_CA_KEY = "ca.crt";
export const SERVICE_ACCOUNT_NAMESPACE_KEY = "namespace";

/** The issuer of legacy Secret-based tokens (upstream's LegacyIssuer). */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";

/** The private claims of a legacy token. */
export const LEGACY_CLAIM = {
  namespace: "kubernetes.io/serviceaccount/namespace",
  secretName: "kubernetes.io/serviceaccount/secret.name",
  serviceAccountName: "kubernetes.io/serviceaccount/service-account.name",
  serviceAccountUID: "kubernetes.io/serviceaccount/service-account.uid",
} as const;

/** A service account's user name: `system:serviceaccount:<namespace>:<name>`. */
export const serviceAccountUsername = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

/**
 * Upstream's keyIDFromPublicKey: the `kid` of tokens signed with a key, the unpadded base64url SHA-256 of
 * its public key's DER (PKIX, "SubjectPublicKeyInfo"), given here as PEM.
 */
export function signingKeyId(spkiPem: string): string {
  const der = Buffer.from(spkiPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return createHash("sha256").update(der).digest("base64url");
}
