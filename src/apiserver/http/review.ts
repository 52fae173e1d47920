import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, methodNotAllowed, StatusError } from "../../api/errors.js";
import { isPlainObject, type KubeObject } from "../../api/types.js";
import { apiVersionOf, type ResourceInfo, type ReviewContext } from "../resource.js";
import { decodeBody, readBody } from "./body.js";
import { sendJson } from "./respond.js";
import type { ResourceRoute } from "./route.js";

/**
 * A create-only resource that stores nothing (upstream's "reviews": SelfSubjectReview, TokenReview,
 * SubjectAccessReview…): POST to the collection with the object; the answer (201) is what the resource's
 * `review` makes of it. Checked as every create is, once for all of them: another verb or a name in the
 * path is 405, an Accept of a Table only 406, a body that isn't an object, of another kind or apiVersion,
 * with metadata that isn't an object, or of the wrong types (`decode`, against the kind's schema) 400.
 */
export async function serveReview(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, decode: (r: ResourceInfo, obj: KubeObject) => void, ctx: Omit<ReviewContext, "namespace">): Promise<void> {
  const r = route.resource;
  if (req.method !== "POST" || route.name !== undefined) throw methodNotAllowed("the server does not allow this method on the requested resource");
  if (onlyTable(req.headers.accept)) throw new StatusError(406, "NotAcceptable", `the resource ${r.group ? `${r.plural}.${r.group}` : r.plural} does not support being converted to a Table`);
  const body = decodeBody(await readBody(req), req.headers["content-type"]);
  if (!isPlainObject(body)) throw badRequest("the body of the request must be a JSON object");
  const obj = body as KubeObject;
  const apiVersion = apiVersionOf(r);
  // The group/version first, as upstream's create handler checks it.
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== r.kind) throw badRequest(`the object provided is unrecognized (must be of type ${r.kind}): kind ${String(obj.kind)}`);
  if (obj.metadata !== undefined && obj.metadata !== null && !isPlainObject(obj.metadata)) throw badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: metadata must be an object`);
  obj.metadata ??= {};
  obj.kind = r.kind;
  obj.apiVersion = apiVersion;
  decode(r, obj);
  sendJson(res, 201, await r.review!(obj, { ...ctx, namespace: route.namespace }));
}

/** The Accept header takes a Table and nothing a review can be (upstream: 406 for objects without list metadata). */
function onlyTable(accept: string | undefined): boolean {
  if (!accept || !/as=Table/.test(accept)) return false;
  return !accept.split(",").some((a) => !/as=/.test(a) && /(application\/json|\*\/\*|application\/yaml|application\/vnd\.kubernetes\.protobuf)/.test(a));
}
