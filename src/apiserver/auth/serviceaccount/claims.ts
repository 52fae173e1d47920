import type { JWTPayload } from "jose";
import { LEGACY_CLAIM, serviceAccountUsername } from "../../../api/service-accounts.js";

/** Upstream's WarnOnlyBoundTokenExpirationSeconds: what the admission plugin's projected volume asks for. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
/** Upstream's ExpirationExtensionSeconds: how long such a pod-bound token is really valid (a year). */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 3600;

/** A bound object in the `kubernetes.io` claim. */
export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a bound token's `kubernetes.io` private claim says (upstream's privateClaims.Kubernetes). */
export interface ServiceAccountClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** NumericDate after which using the (extended) token only warns. */
  warnafter?: number;
}

export interface TokenClaimsInput {
  issuer: string;
  audiences: string[];
  namespace: string;
  serviceAccount: ObjectRef;
  /** At most one of pod and secret; node alone, or beside a pod (the node it runs on). */
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** The node; its uid may be empty (a pod's node that doesn't exist as an object). */
  node?: { name: string; uid?: string };
  /** Seconds since the epoch. */
  now: number;
  expirationSeconds: number;
  /** Seconds after `now` past which the token only warns (0: none). */
  warnAfterSeconds?: number;
  jti: string;
}

/**
 * Upstream's token.Claims: the registered claims (sub system:serviceaccount:<ns>:<name>, aud, iat = nbf =
 * now, exp, jti) and the `kubernetes.io` private claim naming the namespace, the account and what the
 * token is bound to.
 *
 * Worked example: now 1,700,000,000 with expirationSeconds 3600 gives iat = nbf = 1,700,000,000 and
 * exp 1,700,003,600.
 */
export function tokenClaims(i: TokenClaimsInput): JWTPayload {
  const k8s: Record<string, unknown> = { namespace: i.namespace, serviceaccount: { name: i.serviceAccount.name, uid: i.serviceAccount.uid } };
  if (i.pod) k8s.pod = { name: i.pod.name, uid: i.pod.uid };
  if (i.secret) k8s.secret = { name: i.secret.name, uid: i.secret.uid };
  if (i.node) k8s.node = i.node.uid ? { name: i.node.name, uid: i.node.uid } : { name: i.node.name };
  if (i.warnAfterSeconds) k8s.warnafter = i.now + i.warnAfterSeconds;
  return {
    aud: i.audiences, exp: i.now + i.expirationSeconds, iat: i.now, iss: i.issuer, jti: i.jti,
    "kubernetes.io": k8s, nbf: i.now, sub: serviceAccountUsername(i.namespace, i.serviceAccount.name),
  };
}

/** Upstream's LegacyClaims: what a token controller writes into a `kubernetes.io/service-account-token` Secret. */
export interface LegacyClaims {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUID: string;
  secretName: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function ref(v: unknown): ObjectRef | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) throw new Error("malformed object reference claim");
  return { name: str(v.name), uid: str(v.uid) };
}

/** Reads the `kubernetes.io` claim of a verified token; anything of the wrong shape throws. */
export function readServiceAccountClaims(payload: JWTPayload): ServiceAccountClaims {
  const k8s = payload["kubernetes.io"];
  if (!isRecord(k8s)) throw new Error("service account token claims could not be validated due to unexpected private claim");
  const sa = ref(k8s.serviceaccount ?? {})!;
  const warnafter = typeof k8s.warnafter === "number" ? k8s.warnafter : undefined;
  return { namespace: str(k8s.namespace), serviceaccount: sa, pod: ref(k8s.pod), secret: ref(k8s.secret), node: ref(k8s.node), warnafter };
}

/** Reads a legacy token's private claims; missing ones are empty strings (the validator refuses them). */
export function readLegacyClaims(payload: JWTPayload): LegacyClaims {
  return {
    namespace: str(payload[LEGACY_CLAIM.namespace]),
    serviceAccountName: str(payload[LEGACY_CLAIM.serviceAccountName]),
    serviceAccountUID: str(payload[LEGACY_CLAIM.serviceAccountUID]),
    secretName: str(payload[LEGACY_CLAIM.secretName]),
  };
}
