import { SignJWT } from "jose";
import { badRequest, conflict, StatusError } from "../../../api/errors.js";
import { fieldErrorMessage, invalid, type FieldError } from "../../../api/field-errors.js";
import { formatTime, newUid } from "../../../api/meta.js";
import { isPlainObject, type KubeObject } from "../../../api/types.js";
import type { Clock, RestStore } from "../../registry/rest.js";
import { EXPIRATION_EXTENSION_SECONDS, tokenClaims, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, type ObjectRef } from "./claims.js";
import { SIGNING_ALG, type ServiceAccountKey } from "./keys.js";

/** What the API server issues service account tokens with (kube-apiserver's --service-account-* flags). */
export interface ServiceAccountTokenConfig {
  key: ServiceAccountKey;
  /** --service-account-issuer. */
  issuer: string;
  /** --api-audiences: what a token must be for to authenticate to this server (default: [issuer]). */
  audiences: string[];
  /**
   * --service-account-extend-token-expiration (default true): a pod-bound token asking for the admission
   * plugin's 3607 s for the API's audiences is valid a year, with `warnafter` at 3607 s.
   */
  extendExpiration?: boolean;
}

/** The objects a TokenRequest reads and a token's bindings are checked against. */
export interface TokenObjects {
  serviceAccounts: RestStore;
  pods: RestStore;
  secrets: RestStore;
  nodes: RestStore;
}

/** Upstream's MinTokenAgeSec and MaxTokenAgeSec. */
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const DEFAULT_EXPIRATION_SECONDS = 3600;

interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

/** A TokenRequest's 422, as upstream's errors.NewInvalid for the kind TokenRequest.authentication.k8s.io. */
function invalidTokenRequest(name: string, errors: FieldError[]): StatusError {
  const messages = errors.map(fieldErrorMessage);
  return new StatusError(422, "Invalid", `TokenRequest.authentication.k8s.io "${name}" is invalid: ${messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`}`, {
    name, group: "authentication.k8s.io", kind: "TokenRequest",
    causes: errors.map((e, i) => ({ reason: "FieldValueInvalid", message: messages[i]!.slice(e.field.length + 2), field: e.field })),
  });
}

/** The body's spec, decoded as upstream would decode a TokenRequest (wrong types are a 400). */
function decodeSpec(body: unknown): { metadata: Record<string, unknown>; audiences: string[]; expirationSeconds: number; boundObjectRef?: BoundObjectRef } {
  if (!isPlainObject(body)) throw badRequest("the body of the request must be a TokenRequest");
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  const spec = body.spec === undefined || body.spec === null ? {} : body.spec;
  if (!isPlainObject(spec)) throw badRequest("TokenRequest.spec: expected an object");
  const audiences = spec.audiences ?? [];
  if (!Array.isArray(audiences) || audiences.some((a) => typeof a !== "string")) throw badRequest("TokenRequest.spec.audiences: expected a list of strings");
  const exp = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof exp !== "number" || !Number.isSafeInteger(exp)) throw badRequest("TokenRequest.spec.expirationSeconds: expected an integer");
  const ref = spec.boundObjectRef ?? undefined;
  if (ref !== undefined && (!isPlainObject(ref) || ["kind", "apiVersion", "name", "uid"].some((k) => ref[k] !== undefined && typeof ref[k] !== "string"))) {
    throw badRequest("TokenRequest.spec.boundObjectRef: expected an object reference");
  }
  return { metadata, audiences: audiences as string[], expirationSeconds: exp, boundObjectRef: ref as BoundObjectRef | undefined };
}

/** Upstream's GroupVersionKind.String() for an apiVersion and kind: `/v1, Kind=ConfigMap`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  const [group, version] = slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  return `${group}/${version}, Kind=${kind}`;
}

/**
 * serviceaccounts/{name}/token (upstream's TokenREST.Create): defaults and validates the request (name and
 * namespace must match the URL's; expirationSeconds 3600 by default, at least 600; audiences default to
 * the API's), looks up the account and what the token is bound to (a Pod running as that account, a Secret
 * or a Node; a uid in the reference must match), and answers the TokenRequest with a signed JWT and its
 * expiry. Errors are upstream's: 404 for a missing account or bound object, 400 for an unsupported kind
 * or a pod of another account, 409 for a uid that no longer matches, 422 for the rest.
 */
export async function createTokenRequest(config: ServiceAccountTokenConfig, objects: TokenObjects, clock: Clock, target: { namespace: string; name: string }, body: unknown): Promise<KubeObject> {
  const { namespace, name } = target;
  const req = decodeSpec(body);
  if (typeof req.metadata.name === "string" && req.metadata.name !== "" && req.metadata.name !== name) {
    throw invalidTokenRequest(name, [invalid("metadata.name", req.metadata.name, "must match the service account name if specified")]);
  }
  if (typeof req.metadata.namespace === "string" && req.metadata.namespace !== "" && req.metadata.namespace !== namespace) {
    throw invalidTokenRequest(name, [invalid("metadata.namespace", req.metadata.namespace, "must match the service account namespace if specified")]);
  }
  const sa = await objects.serviceAccounts.get(namespace, name);
  const audiences = req.audiences.length > 0 ? req.audiences : config.audiences;
  const now = clock.now();
  const errors: FieldError[] = [];
  if (req.expirationSeconds < MIN_EXPIRATION_SECONDS) errors.push(invalid("spec.expirationSeconds", req.expirationSeconds, "may not specify a duration less than 10 minutes"));
  if (req.expirationSeconds > MAX_EXPIRATION_SECONDS) errors.push(invalid("spec.expirationSeconds", req.expirationSeconds, "may not specify a duration larger than 2^32 seconds"));
  if (errors.length > 0) throw invalidTokenRequest("", errors);

  const bound = await boundObjects(objects, namespace, name, req.boundObjectRef);
  let exp = req.expirationSeconds;
  let warnAfter = 0;
  const apiAudiences = audiences.every((a) => config.audiences.includes(a));
  if ((config.extendExpiration ?? true) && bound.pod && exp === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && apiAudiences) {
    warnAfter = exp;
    exp = EXPIRATION_EXTENSION_SECONDS;
  }
  const nowSeconds = Math.floor(now / 1000);
  const claims = tokenClaims({
    issuer: config.issuer, audiences, namespace, serviceAccount: { name: sa.metadata.name!, uid: sa.metadata.uid ?? "" },
    ...bound, now: nowSeconds, expirationSeconds: exp, warnAfterSeconds: warnAfter, jti: newUid(),
  });
  const token = await new SignJWT(claims).setProtectedHeader({ alg: SIGNING_ALG, kid: config.key.kid }).sign(config.key.privateKey);
  return {
    kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1",
    metadata: { name, namespace, creationTimestamp: formatTime(now) },
    spec: { audiences, expirationSeconds: req.expirationSeconds, boundObjectRef: req.boundObjectRef ?? null },
    status: { token, expirationTimestamp: formatTime((nowSeconds + req.expirationSeconds) * 1000) },
  };
}

/** The objects the token is bound to: a pod (and the node it runs on), a secret, or a node. */
async function boundObjects(objects: TokenObjects, namespace: string, serviceAccount: string, ref: BoundObjectRef | undefined): Promise<{ pod?: ObjectRef; secret?: ObjectRef; node?: { name: string; uid?: string } }> {
  if (!ref) return {};
  const apiVersion = ref.apiVersion ?? "";
  const kind = ref.kind ?? "";
  const refName = ref.name ?? "";
  const core = apiVersion === "" || apiVersion === "v1" || apiVersion.startsWith("/");
  let obj: KubeObject;
  let out: { pod?: ObjectRef; secret?: ObjectRef; node?: { name: string; uid?: string } };
  if (core && kind === "Pod") {
    obj = await objects.pods.get(namespace, refName);
    const podSA = (obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? "";
    if (podSA !== serviceAccount) throw badRequest(`cannot bind token for serviceaccount "${serviceAccount}" to pod running with different serviceaccount name.`);
    out = { pod: { name: refName, uid: obj.metadata.uid ?? "" } };
    const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
    if (nodeName) {
      // A pod's node that isn't (or no longer is) an object still goes into the claims by name.
      const node = await objects.nodes.get(undefined, nodeName).catch(() => undefined);
      out.node = { name: nodeName, uid: node?.metadata.uid };
    }
  } else if (core && kind === "Secret") {
    obj = await objects.secrets.get(namespace, refName);
    out = { secret: { name: refName, uid: obj.metadata.uid ?? "" } };
  } else if (core && kind === "Node") {
    obj = await objects.nodes.get(undefined, refName);
    out = { node: { name: refName, uid: obj.metadata.uid ?? "" } };
  } else {
    throw badRequest(`cannot bind token to object of type ${gvkString(apiVersion, kind)}`);
  }
  if (ref.uid && ref.uid !== obj.metadata.uid) {
    throw conflict({ group: "", resource: kind }, refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return out;
}
