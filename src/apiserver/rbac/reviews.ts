import { badRequest } from "../../api/errors.js";
import { invalid, invalidError, type FieldError } from "../../api/field-errors.js";
import { isPlainObject, type KubeObject } from "../../api/types.js";
import { Groups, type RequestAttributes, type UserInfo } from "../auth/types.js";
import type { ResourceInfo, ReviewContext } from "../resource.js";

export const AUTHORIZATION_GROUP = "authorization.k8s.io";

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * authorization.k8s.io/v1's create-only virtual resources (nothing is stored; http/review.ts checks and
 * decodes the body): SubjectAccessReview (may this user do that?), LocalSubjectAccessReview (the same, in
 * one namespace), SelfSubjectAccessReview (may I?) and SelfSubjectRulesReview (what may I do in this
 * namespace?) — `kubectl auth can-i` and its `--list`.
 */
export function reviewResources(): ResourceInfo[] {
  const table = { columns: [], cells: () => [] };
  const strategy = { status: false, generation: false };
  const info = (kind: string, namespaced: boolean, review: NonNullable<ResourceInfo["review"]>): ResourceInfo => ({
    group: AUTHORIZATION_GROUP, version: "v1", kind, listKind: `${kind}List`, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase(),
    namespaced, subresources: [], verbs: ["create"], strategy, table, review,
  });
  return [
    info("LocalSubjectAccessReview", true, localSubjectAccessReview),
    info("SelfSubjectAccessReview", false, selfSubjectAccessReview),
    info("SelfSubjectRulesReview", false, selfSubjectRulesReview),
    info("SubjectAccessReview", false, subjectAccessReview),
  ];
}

const answer = (obj: KubeObject, rest: Json): KubeObject => ({ kind: obj.kind, apiVersion: obj.apiVersion, metadata: { ...obj.metadata }, ...rest }) as KubeObject;
const specOf = (obj: KubeObject): Json => (isPlainObject(obj.spec) ? obj.spec : {}) as Json;

function selfSubjectAccessReview(obj: KubeObject, ctx: ReviewContext): KubeObject {
  const spec = specOf(obj);
  check(obj.kind ?? "", accessSpecErrors(spec, true));
  return answer(obj, { spec, status: review(ctx, ctx.user, spec) });
}

function subjectAccessReview(obj: KubeObject, ctx: ReviewContext): KubeObject {
  const spec = specOf(obj);
  const errs = accessSpecErrors(spec, false);
  if (hasMeta(obj.metadata, false)) errs.push({ type: "Invalid", field: "metadata", rendered: goMeta(obj.metadata), detail: "must be empty" });
  check(obj.kind ?? "", errs);
  return answer(obj, { spec, status: review(ctx, specUser(spec), spec) });
}

function localSubjectAccessReview(obj: KubeObject, ctx: ReviewContext): KubeObject {
  const spec = specOf(obj);
  const namespace = ctx.namespace ?? "";
  if (!namespace) throw badRequest(`namespace is required on this type: ${namespace}`);
  if ((obj.metadata.namespace ?? namespace) !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  obj.metadata.namespace = namespace;
  const errs = accessSpecErrors(spec, false);
  if (hasMeta(obj.metadata, true)) errs.push({ type: "Invalid", field: "metadata", rendered: goMeta(obj.metadata), detail: "must be empty except for namespace" });
  const ra = spec.resourceAttributes as Json | undefined;
  if (ra && str(ra.namespace) !== namespace) errs.push(invalid("spec.resourceAttributes.namespace", str(ra.namespace), "must match metadata.namespace"));
  if (spec.nonResourceAttributes) errs.push({ type: "Invalid", field: "spec.nonResourceAttributes", rendered: goNonResource(spec.nonResourceAttributes as Json), detail: "disallowed on this kind of request" });
  check(obj.kind ?? "", errs);
  return answer(obj, { spec, status: review(ctx, specUser(spec), spec) });
}

/** Every rule the requester holds in the namespace, split into resource and non-resource rules. */
function selfSubjectRulesReview(obj: KubeObject, ctx: ReviewContext): KubeObject {
  const namespace = str(specOf(obj).namespace);
  if (!namespace) throw badRequest("no namespace on request");
  const { rules, errors } = ctx.rulesFor(ctx.user, namespace);
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
  return answer(obj, { spec: {}, status });
}

/** The API server's authorizers as a review sees them: system:masters first, then the chain (Node, RBAC). */
function review(ctx: ReviewContext, user: UserInfo, spec: Json): Json {
  const ra = spec.resourceAttributes as Json | undefined;
  const nra = (spec.nonResourceAttributes ?? {}) as Json;
  const attrs: RequestAttributes = ra
    ? { user, verb: str(ra.verb), resourceRequest: true, path: "", apiGroup: str(ra.group), apiVersion: str(ra.version), resource: str(ra.resource), subresource: str(ra.subresource), namespace: str(ra.namespace), name: str(ra.name) }
    : { user, verb: str(nra.verb), resourceRequest: false, path: str(nra.path), apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "" };
  const d = user.groups.includes(Groups.masters) ? { decision: "allow", reason: "" } : ctx.authorize(attrs);
  const status: Json = { allowed: d.decision === "allow" };
  if (d.decision === "deny") status.denied = true;
  if (d.reason) status.reason = d.reason;
  return status;
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
