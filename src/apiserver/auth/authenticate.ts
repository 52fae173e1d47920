import type { IncomingMessage } from "node:http";
import { StatusError } from "../../api/errors.js";
import { bearerToken } from "../../api/bearer.js";
import { Groups, Users, type Authenticator, type UserInfo } from "./types.js";

/** The paths anyone may reach without credentials, as upstream's structured anonymous config opens them. */
export function isPublicPath(path: string): boolean {
  if (path === "/version" || path === "/version/") return true;
  for (const p of ["/healthz", "/livez", "/readyz"]) if (path === p || path.startsWith(`${p}/`)) return true;
  return false;
}

const ANONYMOUS: UserInfo = { name: Users.anonymous, groups: [Groups.unauthenticated] };

function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}

/** The user with system:authenticated added, as upstream's authentication filter adds it to everyone authenticated. */
export function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes(Groups.authenticated) ? user : { ...user, groups: [...user.groups, Groups.authenticated] };
}

/**
 * Who sent a request: the authenticators are asked in order (upstream's union: the first that knows the
 * user wins; a refusal by one does not stop the next). When none knows it:
 *   - credentials were refused, or a bearer token nobody recognised was sent → 401;
 *   - no credentials: `system:anonymous` (group system:unauthenticated) on the public paths
 *     (/healthz, /livez, /readyz and below, /version), 401 elsewhere.
 * 401s are upstream's Status (reason Unauthorized, message "Unauthorized").
 */
export async function authenticate(req: IncomingMessage, path: string, authenticators: readonly Authenticator[]): Promise<UserInfo> {
  let refused = false;
  for (const authenticator of authenticators) {
    try {
      const user = await authenticator(req);
      if (user) return withAuthenticated(user);
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 401) throw err;
      refused = true;
    }
  }
  if (refused || bearerToken(req.headers.authorization) !== undefined) throw unauthorized();
  if (isPublicPath(path)) return ANONYMOUS;
  throw unauthorized();
}
