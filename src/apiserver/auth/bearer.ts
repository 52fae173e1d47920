import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Authenticator, UserInfo } from "./types.js";

/**
 * The bearer token of a request as upstream's bearertoken authenticator reads it: `Authorization:
 * <scheme> <token>` with the scheme `Bearer` in any case, the header trimmed. `undefined`: no bearer
 * token at all (another scheme, or none); `""`: a bearer header with an empty token (refused upstream).
 */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const auth = header.trim();
  const space = auth.indexOf(" ");
  if (space < 0 || auth.slice(0, space).toLowerCase() !== "bearer") return undefined;
  const rest = auth.slice(space + 1);
  const end = rest.indexOf(" ");
  return end < 0 ? rest : rest.slice(0, end);
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/**
 * A static token (upstream's --token-auth-file with one line): the request's bearer token is compared
 * with it in constant time (both hashed first, so neither length leaks either) and authenticates as `user`.
 */
export function staticTokenAuthenticator(token: string, user: UserInfo): Authenticator {
  const expected = digest(token);
  return (req) => {
    const presented = bearerToken(req);
    if (!presented) return Promise.resolve(undefined);
    return Promise.resolve(timingSafeEqual(digest(presented), expected) ? user : undefined);
  };
}
