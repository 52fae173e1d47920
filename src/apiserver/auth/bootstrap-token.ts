import { timingSafeEqual } from "node:crypto";
import {
  BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, BOOTSTRAP_USER_PREFIX, bootstrapGroups, bootstrapTokenSecretName,
  parseBootstrapToken, secretValue, TOKEN_KEYS, tokenExpiration,
} from "../../api/bootstrap-token.js";
import type { KubeObject } from "../../api/types.js";
import type { TokenAuthenticator } from "./types.js";

/** Reads a Secret by namespace and name; undefined when there is none. */
export type SecretGetter = (namespace: string, name: string) => Promise<KubeObject | undefined>;

function sameSecret(presented: string, stored: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Upstream's bootstrap token authenticator (--enable-bootstrap-token-auth): a bearer token `<id>.<secret>`
 * authenticates as `system:bootstrap:<id>` in system:bootstrappers and the Secret's auth-extra-groups when
 * kube-system/bootstrap-token-<id> is a bootstrap.kubernetes.io/token Secret, not being deleted, whose
 * token-id is the id, whose token-secret is the secret (compared in constant time), that allows
 * authentication and has not expired. Tokens of another form are not its kind (undefined: the next
 * authenticator is asked); a token of its form that fails any check is refused (a 401), with upstream's
 * reasons for TokenReview. Audience-agnostic: valid for the API's audiences only.
 */
export function bootstrapTokenAuthenticator(getSecret: SecretGetter, now: () => number, apiAudiences: string[]): TokenAuthenticator {
  return async (token, audiences) => {
    const parsed = parseBootstrapToken(token);
    if (!parsed) return undefined;
    const name = bootstrapTokenSecretName(parsed.id);
    const refuse = (error: string) => ({ ok: false as const, error });
    const secret = await getSecret(BOOTSTRAP_TOKEN_NAMESPACE, name);
    if (!secret) return refuse(`no secret of name ${name} to match bootstrap bearer token`);
    if (secret.metadata.deletionTimestamp) return refuse(`secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name} is being deleted`);
    if ((secret as { type?: string }).type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return refuse(`secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name} is not of type ${BOOTSTRAP_TOKEN_SECRET_TYPE}`);
    if (!sameSecret(parsed.secret, secretValue(secret, TOKEN_KEYS.secret))) return refuse(`bootstrap token secret does not match secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name}`);
    if (secretValue(secret, TOKEN_KEYS.id) !== parsed.id) return refuse(`token id does not match secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name}`);
    if (tokenExpiration(secret, now()).expired) return refuse(`secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name} has expired`);
    if (secretValue(secret, TOKEN_KEYS.authentication) !== "true") return refuse(`secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${name} not marked ${TOKEN_KEYS.authentication}=true`);
    const groups = bootstrapGroups(secret);
    if ("error" in groups) return refuse(groups.error);
    let valid: string[] = [];
    if (audiences.length > 0) {
      valid = apiAudiences.filter((a) => audiences.includes(a));
      if (valid.length === 0) return refuse("token audiences don't match the API's");
    }
    return { ok: true, user: { name: `${BOOTSTRAP_USER_PREFIX}${parsed.id}`, groups: groups.groups }, audiences: valid };
  };
}
