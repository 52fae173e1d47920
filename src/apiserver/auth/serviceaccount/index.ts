import type { IncomingMessage, ServerResponse } from "node:http";
import { methodNotAllowed } from "../../../api/errors.js";
import { decodeBody, readBody } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import type { Route } from "../../http/route.js";
import type { Clock } from "../../registry/rest.js";
import { ServiceAccountTokenAuthenticator } from "./authenticator.js";
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, serveIssuerDiscovery } from "./oidc.js";
import { createTokenRequest, type ServiceAccountTokenConfig, type TokenObjects } from "./token-request.js";
import { reviewToken, type TokenAuthenticator } from "./token-review.js";

export { DEFAULT_ISSUER, generateServiceAccountKey, loadServiceAccountKey, type ServiceAccountKey } from "./keys.js";
export type { ServiceAccountTokenConfig, TokenObjects } from "./token-request.js";
export type { TokenAuthenticator } from "./token-review.js";
export { ServiceAccountTokenAuthenticator, bearerToken, type TokenResult } from "./authenticator.js";

/**
 * Everything the API server does with service account tokens, in one place: it issues them
 * (serviceaccounts/{name}/token), authenticates them ({@link authenticator}, for the request chain),
 * reviews them (tokenreviews) and publishes the issuer's discovery documents.
 */
export class ServiceAccountTokens {
  readonly tokens: ServiceAccountTokenAuthenticator;

  constructor(private readonly config: ServiceAccountTokenConfig, private readonly objects: TokenObjects, private readonly clock: Clock) {
    this.tokens = new ServiceAccountTokenAuthenticator(config, objects, clock);
  }

  get authenticator() {
    return this.tokens.authenticator;
  }

  /** The token authenticators TokenReview runs: service account tokens, then `others` (the rest of the chain's). */
  reviewers(others: TokenAuthenticator[] = []): TokenAuthenticator[] {
    return [(token, audiences) => this.tokens.authenticate(token, audiences), ...others];
  }

  /** True for the non-resource paths served here (the issuer discovery documents). */
  static servesPath(path: string): boolean {
    return path === OPENID_CONFIGURATION_PATH || path === JWKS_PATH;
  }

  serveDiscovery(res: ServerResponse, path: string, jwksUri: string): Promise<void> {
    return serveIssuerDiscovery(res, path, { issuer: this.config.issuer, jwksUri, key: this.config.key });
  }

  /**
   * Serves serviceaccounts/{name}/token and tokenreviews; false for any other route. `others`: the
   * request chain's other token authenticators, for TokenReview.
   */
  async serveResource(req: IncomingMessage, res: ServerResponse, route: Route, others: TokenAuthenticator[] = []): Promise<boolean> {
    if (route.type !== "resource") return false;
    const { resource, namespace, name, subresource } = route.route;
    const isToken = resource.group === "" && resource.plural === "serviceaccounts" && subresource === "token" && name !== undefined && namespace !== undefined;
    const isReview = resource.group === "authentication.k8s.io" && resource.plural === "tokenreviews";
    if (!isToken && !isReview) return false;
    if (req.method !== "POST" || (isReview && name !== undefined)) throw methodNotAllowed("the server does not allow this method on the requested resource");
    const body = decodeBody(await readBody(req), req.headers["content-type"]);
    if (isToken) {
      sendJson(res, 201, await createTokenRequest(this.config, this.objects, this.clock, { namespace: namespace!, name: name! }, body));
    } else {
      sendJson(res, 201, await reviewToken(this.reviewers(others), this.config.audiences, body));
    }
    return true;
  }
}
