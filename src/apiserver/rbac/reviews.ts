import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, methodNotAllowed, StatusError } from "../../api/errors.js";
import { invalid, invalidError, type FieldError } from "../../api/field-errors.js";
import { isPlainObject, type KubeObject } from "../../api/types.js";
import { currentUser } from "../auth/context.js";
import { Groups, type Decision, type RequestAttributes, type UserInfo } from "../auth/types.js";
import { decodeBody, readBody } from "../http/body.js";
import { sendJson } from "../http/respond.js";
import type { ResourceRoute } from "../http/route.js";
import type { ResourceInfo } from "../resource.js";
import type { RbacAuthorizer } from "./authorizer.js";
import type { SyncAuthorizer } from "../auth/union.js";

export const AUTHORIZATION_GROUP = "authorization.k8s.io";

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Upstream's privileged loopback identity: what an in-process caller (no user on the request) counts as. */
const IN_PROCESS: UserInfo = { name: "system:apiserver", groups: [Groups.masters] };

export interface ReviewOptions {
  /** RBAC, for what a rules review lists. */
  authorizer: () => RbacAuthorizer;
  /** The API server's authorizers in order (Node, RBAC), for access reviews: they answer as requests are answered. */
  chain: () => SyncAuthorizer;
  /** Decodes a body against the kind's schema (wrong types → 400), as every write does. */
  decode: (r: ResourceInfo, obj: KubeObject) => void;
}

/**
 * authorization.k8s.io/v1's create-only virtual resources (nothing is stored): SubjectAccessReview (may
 * this user do that?), LocalSubjectAccessReview (the same, in one namespace), SelfSubjectAccessReview (may
 * I?) and SelfSubjectRulesReview (what may I do in this namespace?) — `kubectl auth can-i` and its `--list`.
 */
export class Reviews {
  constructor(private readonly opts: ReviewOptions) {}

  handles(r: ResourceInfo): boolean {
    return r.group === AUTHORIZATION_GROUP;
  }

  /** The authorizers the API server consults, as a review sees them: system:masters first, then RBAC. */
  authorize(attrs: RequestAttributes): Decision {
    if (attrs.user.groups.includes(Groups.masters)) return { decision: "allow", reason: "" };
    return this.opts.chain().authorize(attrs);
  }

  async handle(req: IncomingMessage, res: ServerResponse, route: ResourceRoute): Promise<void> {
    if (req.method !== "POST" || route.name !== undefined) throw methodNotAllowed("the server does not allow this method on the requested resource");
    if (onlyTable(req.headers.accept)) throw new StatusError(406, "NotAcceptable", `the resource ${route.resource.plural}.${AUTHORIZATION_GROUP} does not support being converted to a Table`);
    const r = route.resource;
    const body = decodeBody(await readBody(req), req.headers["content-type"]);
    if (!isPlainObject(body)) throw badRequest("the body of the request must be a JSON object");
    const obj = body as KubeObject;
    if (obj.kind !== undefined && obj.kind !== r.kind) throw badRequest(`the object provided is unrecognized (must be of type ${r.kind}): kind ${String(obj.kind)}`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== `${AUTHORIZATION_GROUP}/v1`) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${AUTHORIZATION_GROUP}/v1)`);
    }
    if (obj.metadata !== undefined && obj.metadata !== null && !isPlainObject(obj.metadata)) throw badRequest(`${r.kind} in version "v1" cannot be handled as a ${r.kind}: metadata must be an object`);
    obj.metadata ??= {};
    this.opts.decode(r, obj);
    const spec = (isPlainObject(obj.spec) ? obj.spec : {}) as Json;
    const out = { kind: r.kind, apiVersion: `${AUTHORIZATION_GROUP}/v1`, metadata: { ...obj.metadata } } as Json;
    switch (r.kind) {
      case "SelfSubjectRulesReview":
        return sendJson(res, 201, { ...out, ...this.rulesReview(spec) });
      case "SelfSubjectAccessReview":
        check(r.kind, accessSpecErrors(spec, true));
        return sendJson(res, 201, { ...out, spec, status: this.review(currentUser() ?? IN_PROCESS, spec) });
      case "SubjectAccessReview": {
        const errs = accessSpecErrors(spec, false);
        if (hasMeta(obj.metadata, false)) errs.push({ type: "Invalid", field: "metadata", rendered: goMeta(obj.metadata), detail: "must be empty" });
        check(r.kind, errs);
        return sendJson(res, 201, { ...out, spec, status: this.review(specUser(spec), spec) });
      }
      default: {
        const namespace = route.namespace ?? "";
        if (!namespace) throw badRequest(`namespace is required on this type: ${namespace}`);
        if ((obj.metadata.namespace ?? namespace) !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
        obj.metadata.namespace = namespace;
        out.metadata = { ...obj.metadata };
        const errs = accessSpecErrors(spec, false);
        if (hasMeta(obj.metadata, true)) errs.push({ type: "Invalid", field: "metadata", rendered: goMeta(obj.metadata), detail: "must be empty except for namespace" });
        const ra = spec.resourceAttributes as Json | undefined;
        if (ra && str(ra.namespace) !== namespace) errs.push(invalid("spec.resourceAttributes.namespace", str(ra.namespace), "must match metadata.namespace"));
        if (spec.nonResourceAttributes) errs.push({ type: "Invalid", field: "spec.nonResourceAttributes", rendered: goNonResource(spec.nonResourceAttributes as Json), detail: "disallowed on this kind of request" });
        check(r.kind, errs);
        return sendJson(res, 201, { ...out, spec, status: this.review(specUser(spec), spec) });
      }
    }
  }

  private review(user: UserInfo, spec: Json): Json {
    const ra = spec.resourceAttributes as Json | undefined;
    const nra = (spec.nonResourceAttributes ?? {}) as Json;
    const attrs: RequestAttributes = ra
      ? { user, verb: str(ra.verb), resourceRequest: true, path: "", apiGroup: str(ra.group), apiVersion: str(ra.version), resource: str(ra.resource), subresource: str(ra.subresource), namespace: str(ra.namespace), name: str(ra.name) }
      : { user, verb: str(nra.verb), resourceRequest: false, path: str(nra.path), apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "" };
    const d = this.authorize(attrs);
    const status: Json = { allowed: d.decision === "allow" };
    if (d.decision === "deny") status.denied = true;
    if (d.reason) status.reason = d.reason;
    return status;
  }

  /** Every rule the requester holds in the namespace, split into resource and non-resource rules. */
  private rulesReview(spec: Json): Json {
    const namespace = str(spec.namespace);
    if (!namespace) throw badRequest("no namespace on request");
    const { rules, errors } = this.opts.authorizer().rulesFor(currentUser() ?? IN_PROCESS, namespace);
    const resourceRules: Json[] = [];
    const nonResourceRules: Json[] = [];
    for (const rule of rules) {
      if ((rule.resources ?? []).length > 0) {
        const r: Json = { verbs: rule.verbs };
        if (rule.apiGroups?.length) r.apiGroups = rule.apiGroups;
        r.resources = rule.resources;
        if (rule.resourceNames?.length) r.resourceNames = rule.resourceNames;
        resourceRules.push(r);
      }
      if ((rule.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
    }
    const status: Json = { resourceRules, nonResourceRules, incomplete: false };
    if (errors.length > 0) status.evaluationError = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
    return { spec: {}, status };
  }
}

/** The resources this serves, for discovery and routing: create is their only verb. */
export function reviewResources(): ResourceInfo[] {
  const table = { columns: [], cells: () => [] };
  const strategy = { status: false, generation: false };
  const info = (kind: string, namespaced: boolean): ResourceInfo => ({
    group: AUTHORIZATION_GROUP, version: "v1", kind, listKind: `${kind}List`, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase(),
    namespaced, subresources: [], verbs: ["create"], strategy, table,
  });
  return [info("LocalSubjectAccessReview", true), info("SelfSubjectAccessReview", false), info("SelfSubjectRulesReview", false), info("SubjectAccessReview", false)];
}

/** Upstream's ValidateSubjectAccessReviewSpec (and its self variant, which names no user). */
function accessSpecErrors(spec: Json, self: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes as Json | undefined;
  if (ra && nra) errs.push({ type: "Invalid", field: "spec.nonResourceAttributes", rendered: goNonResource(nra), detail: "cannot be specified in combination with resourceAttributes" });
  if (!ra && !nra) errs.push({ type: "Invalid", field: "spec.resourceAttributes", rendered: "null", detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified" });
  if (!self && !str(spec.user) && ((spec.groups as unknown[] | undefined) ?? []).length === 0) errs.push(invalid("spec.user", str(spec.user), "at least one of user or group must be specified"));
  return errs;
}

function check(kind: string, errs: FieldError[]): void {
  if (errs.length > 0) throw invalidError(kind, AUTHORIZATION_GROUP, "", errs);
}

function specUser(spec: Json): UserInfo {
  const extra = isPlainObject(spec.extra) ? (spec.extra as Record<string, string[]>) : undefined;
  return { name: str(spec.user), uid: str(spec.uid) || undefined, groups: ((spec.groups as unknown[] | undefined) ?? []).map(String), extra };
}

/** metadata other than what a client's encoder always sends (creationTimestamp: null) — and, for a local review, the namespace. */
function hasMeta(meta: KubeObject["metadata"], local: boolean): boolean {
  return Object.entries(meta).some(([k, v]) => v !== null && v !== undefined && !(local && k === "namespace") && k !== "managedFields");
}

const goMeta = (meta: KubeObject["metadata"]) => `v1.ObjectMeta{Name:${JSON.stringify(meta.name ?? "")}, Namespace:${JSON.stringify(meta.namespace ?? "")}}`;
const goNonResource = (n: Json) => `&authorization.NonResourceAttributes{Path:${JSON.stringify(str(n.path))}, Verb:${JSON.stringify(str(n.verb))}}`;

/** The Accept header takes a Table and nothing a review can be (upstream: 406 for objects without list metadata). */
function onlyTable(accept: string | undefined): boolean {
  if (!accept || !/as=Table/.test(accept)) return false;
  return !accept.split(",").some((a) => !/as=/.test(a) && /(application\/json|\*\/\*|application\/yaml|application\/vnd\.kubernetes\.protobuf)/.test(a));
}
