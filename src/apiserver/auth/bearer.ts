import { StatusError } from "../../api/errors.js";
import { bearerToken } from "../../api/bearer.js";
import type { Authenticator, TokenAuthenticator, UserInfo } from "./types.js";

/** A token check that knows no audiences (a static token, a token file): the token's user, or undefined. */
export type TokenLookup = (token: string) => UserInfo | undefined;

/**
 * Upstream's WrapAudienceAgnosticToken: a token check that knows no audiences is valid for the API's
 * audiences only — for those of the requested ones (none requested and none configured: valid as is).
 */
export function audienceAgnostic(lookup: TokenLookup, apiAudiences: string[]): TokenAuthenticator {
  return (token, audiences) => {
    const user = lookup(token);
    if (!user) return Promise.resolve(undefined);
    if (audiences.length === 0) return Promise.resolve({ ok: true, user, audiences: [] });
    const valid = apiAudiences.filter((a) => audiences.includes(a));
    return Promise.resolve(valid.length > 0 ? { ok: true, user, audiences: valid } : undefined);
  };
}

/**
 * Upstream's bearertoken authenticator over one token authenticator: the request's bearer token, checked
 * for the API's audiences. No (or an empty) bearer token, or one not of its kind: undefined (the next
 * authenticator is asked); one of its kind that doesn't verify: 401.
 */
export function bearerAuthenticator(tokens: TokenAuthenticator, apiAudiences: string[]): Authenticator {
  return async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return undefined;
    const result = await tokens(token, apiAudiences);
    if (result === undefined) return undefined;
    if (!result.ok) throw new StatusError(401, "Unauthorized", "Unauthorized");
    return result.user;
  };
}
