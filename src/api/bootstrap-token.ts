import type { KubeObject } from "./types.js";

/**
 * Bootstrap tokens, as upstream's k8s.io/cluster-bootstrap defines them: a token `<id>.<secret>` (6 and
 * 16 characters of [a-z0-9]) lives in the Secret kube-system/bootstrap-token-<id> of type
 * bootstrap.kubernetes.io/token, whose data names its id, secret, expiration (RFC 3339), usages and the
 * extra groups its user is in. `kubeadm token create` writes the same Secrets, so its tokens work here too.
 * Pure: the caller gives `now`.
 */

export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = "bootstrap-token-";
export const BOOTSTRAP_TOKEN_NAMESPACE = "kube-system";
/** The user a bootstrap token authenticates as is this prefix and the token's id. */
export const BOOTSTRAP_USER_PREFIX = "system:bootstrap:";
/** Every bootstrap token's user is in this group. */
export const BOOTSTRAP_DEFAULT_GROUP = "system:bootstrappers";
/** The extra group of the tokens kubeadm (and `tug token create`) make for joining nodes. */
export const NODE_BOOTSTRAP_GROUP = "system:bootstrappers:kubeadm:default-node-token";

export const TOKEN_KEYS = {
  id: "token-id",
  secret: "token-secret",
  expiration: "expiration",
  description: "description",
  extraGroups: "auth-extra-groups",
  authentication: "usage-bootstrap-authentication",
  signing: "usage-bootstrap-signing",
} as const;

const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A bearer token of the bootstrap form, split into its id and secret; undefined for any other string. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_PATTERN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function bootstrapTokenSecretName(id: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
}

type SecretLike = KubeObject & { type?: string; data?: Record<string, string> };

/** A Secret's data value as text (data is base64 in the API); "" when absent. */
export function secretValue(secret: SecretLike, key: string): string {
  const v = secret.data?.[key];
  return typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "";
}

/**
 * Upstream's GetExpiration: how long until the token's expiration (ms), or expired. No expiration: never
 * expires (ttl undefined). One that is not RFC 3339 counts as expired, as upstream treats it.
 */
export function tokenExpiration(secret: SecretLike, now: number): { expired: boolean; ttlMs?: number } {
  const text = secretValue(secret, TOKEN_KEYS.expiration);
  if (text === "") return { expired: false };
  const at = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at) || at - now <= 0) return { expired: true };
  return { expired: false, ttlMs: at - now };
}

/**
 * The groups a token's user is in: system:bootstrappers and each of auth-extra-groups (comma-separated),
 * which must all be `system:bootstrappers:…` groups; an error names the first that isn't.
 */
export function bootstrapGroups(secret: SecretLike): { groups: string[] } | { error: string } {
  const groups = [BOOTSTRAP_DEFAULT_GROUP];
  const extra = secretValue(secret, TOKEN_KEYS.extraGroups);
  if (extra === "") return { groups };
  for (const g of extra.split(",").map((s) => s.trim())) {
    if (!GROUP_PATTERN.test(g)) return { error: `bootstrap-token group "${g}" is invalid (must match ${GROUP_PATTERN.source})` };
    if (!groups.includes(g)) groups.push(g);
  }
  return { groups };
}

/** The data of a new token's Secret (plain text, for stringData), as `kubeadm token create` writes it. */
export function bootstrapTokenSecret(token: { id: string; secret: string }, opts: { expiresAt?: Date; description?: string; extraGroups?: string[] }): KubeObject {
  const stringData: Record<string, string> = {
    [TOKEN_KEYS.id]: token.id,
    [TOKEN_KEYS.secret]: token.secret,
    [TOKEN_KEYS.authentication]: "true",
    [TOKEN_KEYS.signing]: "true",
  };
  if (opts.expiresAt) stringData[TOKEN_KEYS.expiration] = opts.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  if (opts.description) stringData[TOKEN_KEYS.description] = opts.description;
  if (opts.extraGroups?.length) stringData[TOKEN_KEYS.extraGroups] = opts.extraGroups.join(",");
  return {
    apiVersion: "v1", kind: "Secret", type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    metadata: { name: bootstrapTokenSecretName(token.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    stringData,
  };
}
