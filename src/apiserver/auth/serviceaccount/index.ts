import type { IncomingMessage, ServerResponse } from "node:http";
import { methodNotAllowed, StatusError } from "../../../api/errors.js";
import { decodeBody, readBody } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import type { Route } from "../../http/route.js";
import type { Clock } from "../../registry/rest.js";
import { currentUser } from "../context.js";
import { nodeIdentity } from "../node/node-authorizer.js";
import { ServiceAccountTokenAuthenticator } from "./authenticator.js";
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, serveIssuerDiscovery } from "./oidc.js";
import { createTokenRequest, type ServiceAccountTokenConfig, type TokenObjects } from "./token-request.js";
import type { TokenAuthenticator } from "../types.js";

export { DEFAULT_ISSUER, generateServiceAccountKey, loadServiceAccountKey, type ServiceAccountKey } from "./keys.js";
export type { ServiceAccountTokenConfig, TokenObjects } from "./token-request.js";
export { ServiceAccountTokenAuthenticator } from "./authenticator.js";

/**
 * Everything the API server does with service account tokens, in one place: it issues them
 * (serviceaccounts/{name}/token), authenticates them ({@link tokenAuthenticator}, for the request chain
 * and TokenReview) and publishes the issuer's discovery documents.
 */
export class ServiceAccountTokens {
  readonly tokens: ServiceAccountTokenAuthenticator;

  constructor(private readonly config: ServiceAccountTokenConfig, private readonly objects: TokenObjects, private readonly clock: Clock) {
    this.tokens = new ServiceAccountTokenAuthenticator(config, objects, clock);
  }

  /** Service account tokens (upstream's authenticator.Token), for the request chain and TokenReview. */
  readonly tokenAuthenticator: TokenAuthenticator = (token, audiences) => this.tokens.authenticate(token, audiences);

  /** True for the non-resource paths served here (the issuer discovery documents). */
  static servesPath(path: string): boolean {
    return path === OPENID_CONFIGURATION_PATH || path === JWKS_PATH;
  }

  serveDiscovery(res: ServerResponse, path: string, jwksUri: string): Promise<void> {
    return serveIssuerDiscovery(res, path, { issuer: this.config.issuer, jwksUri, key: this.config.key });
  }

  /**
   * Serves serviceaccounts/{name}/token (a TokenRequest: a create on a subresource that stores nothing, but
   * of another kind than the route's resource and for a named object, so not a review); false for any other route.
   */
  async serveResource(req: IncomingMessage, res: ServerResponse, route: Route): Promise<boolean> {
    if (route.type !== "resource") return false;
    const { resource, namespace, name, subresource } = route.route;
    if (resource.group !== "" || resource.plural !== "serviceaccounts" || subresource !== "token" || name === undefined || namespace === undefined) return false;
    if (req.method !== "POST") throw methodNotAllowed("the server does not allow this method on the requested resource");
    const body = decodeBody(await readBody(req), req.headers["content-type"]);
    await this.nodeRestriction(namespace, name, body);
    sendJson(res, 201, await createTokenRequest(this.config, this.objects, this.clock, { namespace, name }, body));
    return true;
  }

  /**
   * Upstream's NodeRestriction for TokenRequests: a node agent gets tokens only bound to a pod bound to
   * that node (the Node authorizer already limits it to service accounts its pods use).
   */
  private async nodeRestriction(namespace: string, name: string, body: unknown): Promise<void> {
    const user = currentUser();
    const node = user && nodeIdentity(user);
    if (!node) return;
    const refuse = (why: string) => {
      throw new StatusError(403, "Forbidden", `serviceaccounts "${name}" is forbidden: ${why}`, { name, kind: "serviceaccounts" });
    };
    const ref = (body as { spec?: { boundObjectRef?: { kind?: unknown; name?: unknown } } } | null)?.spec?.boundObjectRef;
    if (!ref || ref.kind !== "Pod" || typeof ref.name !== "string") return refuse("node requested token not bound to a pod");
    const pod = await this.objects.pods.get(namespace, ref.name).catch(() => undefined);
    if ((pod?.spec as { nodeName?: string } | undefined)?.nodeName !== node) refuse("node requested token bound to a pod scheduled on a different node");
  }
}
