import { badRequest } from "../../api/errors.js";
import { isPlainObject, type KubeObject } from "../../api/types.js";
import type { ReviewContext } from "../resource.js";
import { withAuthenticated } from "./authenticate.js";

/**
 * POST authentication.k8s.io/v1 tokenreviews (upstream's tokenreview REST): runs the server's token
 * authenticators (static token, ServiceAccount tokens, token file) on spec.token for spec.audiences
 * (default: the API's) and answers whether it authenticates, as whom (status.user with extra, in
 * system:authenticated as every authenticated request), for which audiences, or status.error. The first
 * authenticator that accepts the token wins; otherwise the errors are reported together.
 */
export async function reviewToken(obj: KubeObject, ctx: ReviewContext): Promise<KubeObject> {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const token = spec.token;
  if (typeof token !== "string" || token === "") throw badRequest("token is required for TokenReview in authentication");
  const requested = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === "string") : [];
  const audiences = requested.length > 0 ? requested : ctx.apiAudiences;
  const errors: string[] = [];
  let status: Record<string, unknown> = { user: {} };
  for (const authenticate of ctx.tokenAuthenticators) {
    const result = await authenticate(token, audiences);
    if (result === undefined) continue;
    if (!result.ok) {
      errors.push(result.error);
      continue;
    }
    const { name, uid, groups, extra } = withAuthenticated(result.user);
    status = { authenticated: true, user: { username: name, ...(uid ? { uid } : {}), groups, extra: extra ?? {} }, ...(result.audiences.length > 0 ? { audiences: result.audiences } : {}) };
    errors.length = 0;
    break;
  }
  if (status.authenticated !== true) status.error = errors.length === 0 ? "invalid bearer token" : errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
  return {
    kind: "TokenReview", apiVersion: "authentication.k8s.io/v1",
    metadata: { ...obj.metadata, creationTimestamp: null } as unknown as KubeObject["metadata"],
    spec: { ...spec, ...(requested.length > 0 ? { audiences: requested } : {}) }, status,
  };
}
