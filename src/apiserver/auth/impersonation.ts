import type { IncomingMessage } from "node:http";
import { StatusError } from "../../api/errors.js";
import { authorize } from "./authorize.js";
import { Groups, Users, type Authorizer, type RequestAttributes, type UserInfo } from "./types.js";

const EXTRA_PREFIX = "impersonate-extra-";
const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

/** One thing a request asks to act as; each needs the `impersonate` verb on it. */
interface Impersonation {
  apiGroup: string;
  resource: "users" | "groups" | "serviceaccounts" | "uids" | "userextras";
  namespace: string;
  name: string;
  subresource: string;
}

/** `system:serviceaccount:<ns>:<name>` split, as upstream's serviceaccount.SplitUsername (both parts non-empty, no more colons). */
function serviceAccountOf(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** Every value of a header sent several times: Node's headersDistinct where the request has it, else split at commas. */
function headerValues(req: IncomingMessage, name: string): string[] {
  const distinct = (req as { headersDistinct?: Record<string, string[] | undefined> }).headersDistinct?.[name];
  if (distinct) return distinct;
  const value = req.headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(",").map((v) => v.trim());
}

/** An extra's key from its header name: lower case, %-escapes decoded (kept as sent when malformed). */
function extraKey(header: string): string {
  const key = header.slice(EXTRA_PREFIX.length).toLowerCase();
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Whether the request carries any impersonation header (cheap: the common request has none). */
export function wantsImpersonation(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h["impersonate-user"] !== undefined || h["impersonate-group"] !== undefined || h["impersonate-uid"] !== undefined) return true;
  for (const name in h) if (name.startsWith(EXTRA_PREFIX)) return true;
  return false;
}

/**
 * Upstream's impersonation filter: `Impersonate-User` (a `system:serviceaccount:ns:name` user is the
 * service account), `Impersonate-Group` (repeatable), `Impersonate-Uid`, `Impersonate-Extra-<key>`.
 * Each is authorized for `requestor` as the `impersonate` verb on users / groups / serviceaccounts (API
 * group "") or uids / userextras (authentication.k8s.io, the extra's key as subresource); the first
 * refusal is upstream's 403. The new user: the named user, the given groups (a service account's own
 * groups when none are given), system:authenticated added unless system:unauthenticated is among them
 * (system:unauthenticated for system:anonymous). Groups, uid or extras without a user: 400.
 */
export async function impersonate(req: IncomingMessage, requestor: UserInfo, authorizer: Authorizer | undefined): Promise<UserInfo> {
  const h = req.headers;
  const requests: Impersonation[] = [];
  const userHeader = typeof h["impersonate-user"] === "string" ? h["impersonate-user"] : "";
  const sa = userHeader ? serviceAccountOf(userHeader) : undefined;
  if (sa) requests.push({ apiGroup: "", resource: "serviceaccounts", namespace: sa.namespace, name: sa.name, subresource: "" });
  else if (userHeader) requests.push({ apiGroup: "", resource: "users", namespace: "", name: userHeader, subresource: "" });
  const groupsGiven = headerValues(req, "impersonate-group").filter((g) => g !== "");
  for (const g of groupsGiven) requests.push({ apiGroup: "", resource: "groups", namespace: "", name: g, subresource: "" });
  const uid = typeof h["impersonate-uid"] === "string" ? h["impersonate-uid"] : "";
  if (uid) requests.push({ apiGroup: "authentication.k8s.io", resource: "uids", namespace: "", name: uid, subresource: "" });
  const extra: Record<string, string[]> = {};
  for (const name in h) {
    if (!name.startsWith(EXTRA_PREFIX)) continue;
    const key = extraKey(name);
    for (const value of headerValues(req, name)) {
      (extra[key] ??= []).push(value);
      requests.push({ apiGroup: "authentication.k8s.io", resource: "userextras", namespace: "", name: value, subresource: key });
    }
  }
  if (!userHeader && requests.length > 0) {
    throw new StatusError(400, "BadRequest", `requested ${requests.map(describe).join(", ")} without impersonating a user`);
  }
  for (const r of requests) {
    const attrs: RequestAttributes = {
      user: requestor, verb: "impersonate", resourceRequest: true, path: "", apiGroup: r.apiGroup, apiVersion: "v1",
      resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name,
    };
    await authorize(attrs, authorizer);
  }
  const name = sa ? `${SERVICE_ACCOUNT_PREFIX}${sa.namespace}:${sa.name}` : userHeader;
  const groups = [...groupsGiven];
  if (sa && groupsGiven.length === 0) groups.push(Groups.serviceAccounts, `${Groups.serviceAccounts}:${sa.namespace}`);
  if (name !== Users.anonymous) {
    if (!groups.includes(Groups.authenticated) && !groups.includes(Groups.unauthenticated)) groups.push(Groups.authenticated);
  } else if (!groups.includes(Groups.unauthenticated)) {
    groups.push(Groups.unauthenticated);
  }
  return { name, ...(uid ? { uid } : {}), groups, ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}

function describe(r: Impersonation): string {
  return r.resource === "userextras" ? `extra ${r.subresource}=${r.name}` : `${r.resource} ${r.name}`;
}
