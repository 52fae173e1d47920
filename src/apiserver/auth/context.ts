import { AsyncLocalStorage } from "node:async_hooks";
import type { UserInfo } from "./types.js";

/**
 * The authenticated user of the request being served, as upstream carries it in the request's context:
 * the HTTP layer runs each request's handler inside {@link withUser}, and whatever the request reaches
 * (admission, the RBAC escalation check, reviews) reads it with {@link currentUser}.
 */
const storage = new AsyncLocalStorage<UserInfo>();

export function withUser<T>(user: UserInfo, fn: () => T): T {
  return storage.run(user, fn);
}

/** The user of the request being served; `undefined` outside a request (in-process callers, start-up). */
export function currentUser(): UserInfo | undefined {
  return storage.getStore();
}
