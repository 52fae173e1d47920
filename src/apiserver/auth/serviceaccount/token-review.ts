import { badRequest } from "../../../api/errors.js";
import { isPlainObject, type KubeObject } from "../../../api/types.js";
import type { TokenResult } from "./authenticator.js";

/** One bearer-token authenticator as TokenReview asks it: the result, or `undefined` when the token isn't its kind. */
export type TokenAuthenticator = (token: string, audiences: string[]) => Promise<TokenResult | undefined>;

/**
 * POST authentication.k8s.io/v1 tokenreviews (upstream's tokenreview REST): runs the server's token
 * authenticators on spec.token for spec.audiences (default: the API's) and answers whether it
 * authenticates, as whom (status.user with extra), for which audiences, or status.error. The first
 * authenticator that accepts the token wins; otherwise the errors are reported together.
 */
export async function reviewToken(authenticators: TokenAuthenticator[], apiAudiences: string[], body: unknown): Promise<KubeObject> {
  if (!isPlainObject(body)) throw badRequest("the body of the request must be a TokenReview");
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const token = spec.token;
  if (typeof token !== "string" || token === "") throw badRequest("token is required for TokenReview in authentication");
  const requested = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === "string") : [];
  const audiences = requested.length > 0 ? requested : apiAudiences;
  const errors: string[] = [];
  let status: Record<string, unknown> = { user: {} };
  for (const authenticate of authenticators) {
    const result = await authenticate(token, audiences);
    if (result === undefined) continue;
    if (!result.ok) {
      errors.push(result.error);
      continue;
    }
    const { name, uid, groups, extra } = result.user;
    status = { authenticated: true, user: { username: name, ...(uid ? { uid } : {}), groups, extra: extra ?? {} }, audiences: result.audiences };
    errors.length = 0;
    break;
  }
  if (status.authenticated !== true) status.error = errors.length === 0 ? "invalid bearer token" : errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  return {
    kind: "TokenReview", apiVersion: "authentication.k8s.io/v1",
    metadata: { ...metadata, creationTimestamp: null } as unknown as KubeObject["metadata"],
    spec: { ...spec, ...(requested.length > 0 ? { audiences: requested } : {}) }, status,
  };
}
