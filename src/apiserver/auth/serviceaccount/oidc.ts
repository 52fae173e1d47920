import type { ServerResponse } from "node:http";
import { publicJwk, SIGNING_ALG, type ServiceAccountKey } from "./keys.js";

export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";
export const JWKS_PATH = "/openid/v1/jwks";

/**
 * Upstream's service account issuer discovery (pkg/serviceaccount/openidmetadata.go): the OpenID
 * provider configuration naming the issuer and where its keys are (--service-account-jwks-uri, default
 * https://<the server's external address>/openid/v1/jwks), and that JWKS. Both may be cached for an hour.
 */
export async function serveIssuerDiscovery(res: ServerResponse, path: string, opts: { issuer: string; jwksUri: string; key: ServiceAccountKey }): Promise<void> {
  const headers = { "Cache-Control": "public, max-age=3600" };
  if (path === OPENID_CONFIGURATION_PATH) {
    res.writeHead(200, { ...headers, "Content-Type": "application/json" });
    return void res.end(JSON.stringify({
      issuer: opts.issuer, jwks_uri: opts.jwksUri, response_types_supported: ["id_token"],
      subject_types_supported: ["public"], id_token_signing_alg_values_supported: [SIGNING_ALG],
    }));
  }
  res.writeHead(200, { ...headers, "Content-Type": "application/jwk-set+json" });
  res.end(JSON.stringify({ keys: [await publicJwk(opts.key)] }));
}
