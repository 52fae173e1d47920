import { timingSafeEqual } from "node:crypto";
import { errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { isNotFound, StatusError } from "../../../api/errors.js";
import type { KubeObject } from "../../../api/types.js";
import { LEGACY_ISSUER, SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_KEY, serviceAccountUsername } from "../../../api/service-accounts.js";
import type { Clock, RestStore } from "../../registry/rest.js";
import { Groups, type TokenResult, type UserInfo } from "../types.js";
import { readLegacyClaims, readServiceAccountClaims } from "./claims.js";
import { SIGNING_ALG } from "./keys.js";
import type { ServiceAccountTokenConfig, TokenObjects } from "./token-request.js";

/** The extra keys upstream's ServiceAccountInfo.UserInfo sets. */
export const EXTRA = {
  podName: "authentication.kubernetes.io/pod-name",
  podUID: "authentication.kubernetes.io/pod-uid",
  nodeName: "authentication.kubernetes.io/node-name",
  nodeUID: "authentication.kubernetes.io/node-uid",
  credentialID: "authentication.kubernetes.io/credential-id",
} as const;

/** go-jose's DefaultLeeway: exp and nbf, and a bound object's deletion, are judged a minute leniently. */
const LEEWAY_SECONDS = 60;

/**
 * Upstream's service account JWT authenticator (pkg/serviceaccount/jwt.go with the bound and the legacy
 * validator). A token whose unverified `iss` is neither this server's issuer nor the legacy one is not
 * ours (`undefined`: the next authenticator may know it). One that is ours must be signed with the
 * service account key (RS256 only: `none`, HMAC and any other algorithm are refused), be for one of the
 * requested audiences, be within exp/nbf (a minute's leeway), and name a ServiceAccount that still exists
 * with the same uid — and, when bound, a Pod/Secret/Node that still exists with the same uid and isn't
 * past its deletion. A legacy token must still be the token of its Secret, which must name the account.
 */
export class ServiceAccountTokenAuthenticator {
  constructor(private readonly config: ServiceAccountTokenConfig, private readonly objects: TokenObjects, private readonly clock: Clock) {}

  /** Authenticates `token` for `audiences` (default: the API's). `undefined`: not a token of this issuer. */
  async authenticate(token: string, audiences: string[] = this.config.audiences): Promise<TokenResult | undefined> {
    const issuer = unverifiedIssuer(token);
    if (issuer !== this.config.issuer && issuer !== LEGACY_ISSUER) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.config.key.publicKey, {
        algorithms: [SIGNING_ALG], issuer, clockTolerance: LEEWAY_SECONDS, currentDate: new Date(this.clock.now()),
      }));
    } catch (err) {
      return { ok: false, error: verifyError(err) };
    }
    try {
      // A token without audiences (a legacy one) is for the API's audiences.
      const tokenAudiences = payload.aud === undefined ? this.config.audiences : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      const valid = tokenAudiences.filter((a) => audiences.includes(a));
      if (valid.length === 0) return { ok: false, error: `token audiences ${goQuote(tokenAudiences)} is invalid for the target audiences ${goQuote(audiences)}` };
      const user = issuer === LEGACY_ISSUER ? await this.legacy(token, payload) : await this.bound(payload);
      return typeof user === "string" ? { ok: false, error: user } : { ok: true, user, audiences: valid };
    } catch (err) {
      if (err instanceof StatusError && err.code >= 500) throw err;
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Upstream's validator.Validate for bound tokens: the user, or why the token is no longer valid. */
  private async bound(payload: JWTPayload): Promise<UserInfo | string> {
    const claims = readServiceAccountClaims(payload);
    const { namespace, serviceaccount: saRef, pod: podRef, secret: secretRef, node: nodeRef } = claims;
    const sa = await this.find(this.objects.serviceAccounts, namespace, saRef.name);
    if (!sa) return `serviceaccounts "${saRef.name}" not found`;
    if (this.deleted(sa)) return `service account ${namespace}/${saRef.name} has been deleted`;
    if (sa.metadata.uid !== saRef.uid) return `service account UID (${sa.metadata.uid ?? ""}) does not match claim (${saRef.uid})`;
    if (secretRef) {
      const secret = await this.find(this.objects.secrets, namespace, secretRef.name);
      if (!secret || this.deleted(secret)) return "service account token has been invalidated";
      if (secret.metadata.uid !== secretRef.uid) return `secret UID (${secret.metadata.uid ?? ""}) does not match service account secret ref claim (${secretRef.uid})`;
    }
    const extra: Record<string, string[]> = {};
    if (podRef) {
      const pod = await this.find(this.objects.pods, namespace, podRef.name);
      if (!pod || this.deleted(pod)) return "service account token has been invalidated";
      if (pod.metadata.uid !== podRef.uid) return `pod UID (${pod.metadata.uid ?? ""}) does not match service account pod ref claim (${podRef.uid})`;
      extra[EXTRA.podName] = [podRef.name];
      extra[EXTRA.podUID] = [podRef.uid];
    } else if (nodeRef) {
      const node = await this.find(this.objects.nodes, undefined, nodeRef.name);
      if (!node || this.deleted(node)) return "service account token has been invalidated";
      if (node.metadata.uid !== nodeRef.uid) return `node UID (${node.metadata.uid ?? ""}) does not match service account node ref claim (${nodeRef.uid})`;
    }
    if (typeof payload.jti === "string" && payload.jti !== "") extra[EXTRA.credentialID] = [`JTI=${payload.jti}`];
    if (nodeRef?.name) {
      extra[EXTRA.nodeName] = [nodeRef.name];
      if (nodeRef.uid) extra[EXTRA.nodeUID] = [nodeRef.uid];
    }
    return userFor(namespace, saRef.name, saRef.uid, extra);
  }

  /** Upstream's legacyValidator: the Secret must still hold exactly this token and name the account. */
  private async legacy(token: string, payload: JWTPayload): Promise<UserInfo | string> {
    const c = readLegacyClaims(payload);
    if (!payload.sub) return "sub claim is missing";
    if (!c.namespace) return "namespace claim is missing";
    if (!c.secretName) return "secretName claim is missing";
    if (!c.serviceAccountName) return "serviceAccountName claim is missing";
    if (!c.serviceAccountUID) return "serviceAccountUID claim is missing";
    if (payload.sub !== serviceAccountUsername(c.namespace, c.serviceAccountName)) return "sub claim is invalid";
    const secret = await this.find(this.objects.secrets, c.namespace, c.secretName);
    if (!secret || secret.metadata.deletionTimestamp) return "token has been invalidated";
    if (secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] !== c.serviceAccountName) return "token has been invalidated";
    const stored = Buffer.from(String((secret.data as Record<string, unknown> | undefined)?.[SERVICE_ACCOUNT_TOKEN_KEY] ?? ""), "base64");
    const presented = Buffer.from(token);
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return "token does not match server's copy";
    const sa = await this.find(this.objects.serviceAccounts, c.namespace, c.serviceAccountName);
    if (!sa) return `serviceaccounts "${c.serviceAccountName}" not found`;
    if (sa.metadata.deletionTimestamp) return `service account ${c.namespace}/${c.serviceAccountName} has been deleted`;
    if (sa.metadata.uid !== c.serviceAccountUID) return `service account UID (${sa.metadata.uid ?? ""}) does not match claim (${c.serviceAccountUID})`;
    return userFor(c.namespace, c.serviceAccountName, c.serviceAccountUID, {});
  }

  private async find(rest: RestStore, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    if (!name) return undefined;
    try {
      return await rest.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Deleted before now minus the leeway (a pod's deletionTimestamp is when its grace period ends). */
  private deleted(obj: KubeObject): boolean {
    const at = obj.metadata.deletionTimestamp ? Date.parse(obj.metadata.deletionTimestamp) : NaN;
    return !Number.isNaN(at) && at < this.clock.now() - LEEWAY_SECONDS * 1000;
  }
}

/** Upstream's ServiceAccountInfo.UserInfo, with system:authenticated as the authenticated-group adder sets it. */
function userFor(namespace: string, name: string, uid: string, extra: Record<string, string[]>): UserInfo {
  const user: UserInfo = {
    name: serviceAccountUsername(namespace, name), uid,
    groups: [Groups.serviceAccounts, `${Groups.serviceAccounts}:${namespace}`, Groups.authenticated],
  };
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}

/** The `iss` of a JWT, read without verifying anything (upstream's hasCorrectIssuer), or undefined. */
function unverifiedIssuer(token: string): string | undefined {
  // Compact JWS in unpadded base64url only (go-jose's RawURLEncoding): padding or any other character is not a JWT.
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return undefined;
  const parts = token.split(".");
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** go-jose's (and the validator's) words for a token that doesn't verify. */
function verifyError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "service account token has expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "nbf") return "service account token is not valid yet";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "go-jose/go-jose: error in cryptographic primitive";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "go-jose/go-jose: unexpected signature algorithm in JWT";
  return "invalid bearer token";
}

/** Go's %q of a []string: `["a" "b"]`. */
function goQuote(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;
}
