import type { Decision, RequestAttributes } from "./types.js";

/** An authorizer that answers at once (the Node and RBAC authorizers read in-memory indexes). */
export interface SyncAuthorizer {
  authorize(attrs: RequestAttributes): Decision;
}

/**
 * Upstream's union authorizer (`--authorization-mode=Node,RBAC`): each is asked in turn; the first to
 * allow or deny decides. When none has an opinion, the request has none either, with their reasons.
 */
export function unionAuthorizer(...authorizers: SyncAuthorizer[]): SyncAuthorizer {
  return {
    authorize(attrs) {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const d = a.authorize(attrs);
        if (d.decision !== "no-opinion") return d;
        if (d.reason) reasons.push(d.reason);
      }
      return { decision: "no-opinion", reason: reasons.join(", ") };
    },
  };
}
