import {
  SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_NAMESPACE_KEY, SERVICE_ACCOUNT_ROOT_CA_KEY, SERVICE_ACCOUNT_TOKEN_KEY, SERVICE_ACCOUNT_UID_ANNOTATION,
} from "../../api/service-accounts.js";
import type { KubeObject } from "../../api/types.js";

export type Secret = KubeObject & { type?: string; data?: Record<string, string> };

/** What a `kubernetes.io/service-account-token` Secret needs: nothing, to go (its account is gone), or these fields filled. */
export type TokenSecretPlan =
  | { action: "none" }
  | { action: "delete" }
  | { action: "fill"; ca: boolean; namespace: boolean; token: boolean };

/**
 * Upstream's TokensController.syncSecret, as a decision: a token Secret whose ServiceAccount doesn't
 * exist — or exists with another uid than the Secret's `kubernetes.io/service-account.uid` annotation —
 * is deleted; otherwise its missing token, namespace and (different) ca.crt are filled in.
 */
export function planTokenSecret(secret: Secret, account: KubeObject | undefined, rootCA: string | undefined): TokenSecretPlan {
  const uid = secret.metadata.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION];
  if (!account || (uid && uid !== account.metadata.uid)) return { action: "delete" };
  const data = secret.data ?? {};
  const ca = !!rootCA && data[SERVICE_ACCOUNT_ROOT_CA_KEY] !== Buffer.from(rootCA).toString("base64");
  const namespace = !data[SERVICE_ACCOUNT_NAMESPACE_KEY];
  const token = !data[SERVICE_ACCOUNT_TOKEN_KEY];
  return ca || namespace || token ? { action: "fill", ca, namespace, token } : { action: "none" };
}

/** The Secret with the planned fields filled in and both annotations set (`token`: the new token, when one was planned). */
export function filledSecret(secret: Secret, account: KubeObject, plan: { ca: boolean; namespace: boolean }, rootCA: string | undefined, token: string | undefined): Secret {
  const data = { ...secret.data };
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  if (plan.ca && rootCA) data[SERVICE_ACCOUNT_ROOT_CA_KEY] = b64(rootCA);
  if (plan.namespace) data[SERVICE_ACCOUNT_NAMESPACE_KEY] = b64(secret.metadata.namespace ?? "");
  if (token !== undefined) data[SERVICE_ACCOUNT_TOKEN_KEY] = b64(token);
  const annotations = { ...secret.metadata.annotations, [SERVICE_ACCOUNT_NAME_ANNOTATION]: account.metadata.name!, [SERVICE_ACCOUNT_UID_ANNOTATION]: account.metadata.uid ?? "" };
  return { ...secret, metadata: { ...secret.metadata, annotations }, data };
}
