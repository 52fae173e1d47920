import type { IncomingMessage } from "node:http";

/**
 * Who made a request (upstream's user.Info): what authentication establishes and authorization,
 * impersonation and reviews (TokenReview, SelfSubjectReview, SubjectAccessReview) speak of.
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The well-known users and groups upstream's authenticators and bootstrap policy use. */
export const Users = {
  anonymous: "system:anonymous",
  apiserver: "system:apiserver",
} as const;

export const Groups = {
  masters: "system:masters",
  authenticated: "system:authenticated",
  unauthenticated: "system:unauthenticated",
  serviceAccounts: "system:serviceaccounts",
  nodes: "system:nodes",
} as const;

/**
 * One way of establishing who sent a request (client certificate, bearer token…). Returns the user, or
 * `undefined` when the request carries nothing this authenticator understands (the next one is tried).
 * Credentials it understands but rejects (a bad signature, an expired certificate) throw a 401 StatusError.
 */
export type Authenticator = (req: IncomingMessage) => Promise<UserInfo | undefined>;

/** What checking a bearer token gives: the user and the audiences the token is valid for, or why it isn't valid. */
export type TokenResult = { ok: true; user: UserInfo; audiences: string[] } | { ok: false; error: string };

/**
 * One bearer-token authenticator (upstream's authenticator.Token): the result for `audiences`, or
 * `undefined` when the token isn't of its kind (the next one is asked). Requests are authenticated for
 * the API's audiences; TokenReview asks for the audiences of its spec.
 */
export type TokenAuthenticator = (token: string, audiences: string[]) => Promise<TokenResult | undefined>;

/**
 * What a request asks to do (upstream's authorizer.Attributes, from its RequestInfo). A resource
 * request names verb, group, resource (and subresource, namespace, name); any other is a non-resource
 * request on `path` with the HTTP verb in lower case (`get`, `post`…).
 */
export interface RequestAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, proxy, impersonate, … */
  verb: string;
  resourceRequest: boolean;
  /** For non-resource requests: the URL path, e.g. `/healthz`. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** A list's or watch's fieldSelector as sent (upstream's GetFieldSelector, AuthorizeWithSelectors), if any. */
  fieldSelector?: string;
}

/** An authorizer's answer: allow, deny, or no opinion (the next authorizer decides). */
export type Decision = { decision: "allow"; reason?: string } | { decision: "deny"; reason?: string } | { decision: "no-opinion"; reason?: string };

export interface Authorizer {
  authorize(attrs: RequestAttributes): Promise<Decision> | Decision;
}
