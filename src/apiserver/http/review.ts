import type { IncomingMessage, ServerResponse } from "node:http";
import { StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { UserInfo } from "../auth/types.js";
import { apiVersionOf } from "../resource.js";
import { decodeBody, readBody } from "./body.js";
import { sendJson } from "./respond.js";
import type { ResourceRoute } from "./route.js";

/**
 * A create-only resource that stores nothing (upstream's "reviews": SelfSubjectReview, TokenReview,
 * SubjectAccessReview…): POST to the collection with the object; the answer (201) is the object with the
 * server's status. Any other verb, or a name in the path, is 405; a body of another kind is 400.
 */
export async function serveReview(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, user: UserInfo): Promise<void> {
  const r = route.resource;
  if (req.method !== "POST" || route.name !== undefined) {
    throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  }
  const body = decodeBody(await readBody(req), req.headers["content-type"]);
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new StatusError(400, "BadRequest", `the body of the request was not a ${r.kind}`);
  const obj = body as KubeObject;
  const apiVersion = apiVersionOf(r);
  if ((obj.kind !== undefined && obj.kind !== r.kind) || (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion)) {
    throw new StatusError(400, "BadRequest", `the API version in the data (${obj.apiVersion ?? ""}) does not match the expected API version (${apiVersion})`);
  }
  const answer = await r.review!({ ...obj, kind: r.kind, apiVersion, metadata: obj.metadata ?? {} }, { user, namespace: route.namespace });
  sendJson(res, 201, answer);
}
