import { forbidden } from "./forbidden.js";
import { Groups, type Authorizer, type RequestAttributes } from "./types.js";

/**
 * Whether a request may go on, as upstream's authorization filter decides it: members of
 * system:masters always (the privileged-group authorizer, asked before any other), then `authorizer`;
 * no authorizer allows everything (tests, in-process use). Anything but "allow" is a 403 with
 * upstream's message and the authorizer's reason.
 */
export async function authorize(attrs: RequestAttributes, authorizer: Authorizer | undefined): Promise<void> {
  if (!authorizer || attrs.user.groups.includes(Groups.masters)) return;
  const decision = await authorizer.authorize(attrs);
  if (decision.decision !== "allow") throw forbidden(attrs, decision.reason);
}
