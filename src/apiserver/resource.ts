import type { FieldError } from "../api/field-errors.js";
import type { NameRule } from "../api/validation/meta.js";
import type { KubeObject } from "../api/types.js";
import type { PolicyRule } from "../api/rbac/types.js";
import type { Decision, RequestAttributes, TokenAuthenticator, UserInfo } from "./auth/types.js";

/** A column of a server-side table (meta.k8s.io/v1 TableColumnDefinition). */
export interface Column {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description?: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority?: number;
}

export interface TableContext {
  now: number;
}

/** Upstream's print handlers for a kind: the columns and one row of cells per object. */
export interface TableConvertor {
  columns: Column[];
  cells(obj: KubeObject, ctx: TableContext): unknown[];
}

/** Per-kind API behaviour, plugged into the one generic REST store (upstream's rest strategies). */
export interface Strategy {
  /** The kind has a status subresource: writes to the main resource keep status, status writes keep the rest. */
  status: boolean;
  /** `metadata.generation` starts at 1 and is bumped when `spec` changes. */
  generation: boolean;
  /**
   * A status write keeps status and the metadata it sends (labels, annotations, finalizers…) and resets
   * the spec; this resets what else the kind's upstream status strategy does (deployments: labels).
   */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject, subresource: "status" | "approval"): void;
  /** What a status (or CSR approval) write is checked for; absent: nothing. */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  defaults?(obj: KubeObject): void;
  /** How metadata.name is checked, when not as a DNS-1123 subdomain (RBAC: any path segment). */
  nameRule?: NameRule;
  /** Resets what a create may not set (e.g. status), sets what the server owns (e.g. pod phase). */
  prepareForCreate?(obj: KubeObject): void;
  /** Before an update of the main resource is validated: carries over what the server set (e.g. a Service's cluster IP). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  validate?(obj: KubeObject): FieldError[];
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** What only a create may not do (pods: carry ephemeral containers). */
  validateCreate?(obj: KubeObject): FieldError[];
  /** Something other than metadata.finalizers holds a deleted object (namespaces: spec.finalizers). */
  blocksDeletion?(obj: KubeObject): boolean;
  /** Pods: how long a graceful delete waits, or 0 to delete at once. */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
}

export type Subresource = "status" | "scale" | "log" | "binding" | "eviction" | "finalize" | "proxy" | "ephemeralcontainers" | "approval" | "token";

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources: Subresource[];
  /** Field selectors accepted beyond metadata.name and metadata.namespace. */
  fields?: string[];
  /** Upstream's default propagation policy for a plain delete. */
  defaultPropagation?: "Background" | "Orphan";
  strategy: Strategy;
  table: TableConvertor;
  /** The verbs discovery lists (default: every verb of a stored resource). */
  verbs?: string[];
  /**
   * A create-only resource that stores nothing (SelfSubjectReview, TokenReview, SubjectAccessReview…):
   * a POST of the object (checked and decoded as every create's) is answered with `review`'s result
   * (201), any other verb is 405 (http/review.ts).
   */
  review?: (obj: KubeObject, ctx: ReviewContext) => Promise<KubeObject> | KubeObject;
}

/** What a review answers from: who asks, where, and the server's authenticators and authorizers. */
export interface ReviewContext {
  /** The requester (after impersonation). */
  user: UserInfo;
  /** The namespace of the URL (a namespaced review: LocalSubjectAccessReview). */
  namespace?: string;
  /** The API server's authorizers in order (Node, RBAC), as requests are authorized. */
  authorize(attrs: RequestAttributes): Decision;
  /** Every RBAC rule `user` holds in `namespace`, and the bindings' resolution errors. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
  /** The API server's bearer-token authenticators in order, and the API's audiences (TokenReview). */
  tokenAuthenticators: readonly TokenAuthenticator[];
  apiAudiences: string[];
}

export function apiVersionOf(r: Pick<ResourceInfo, "group" | "version">): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Where the store keeps a resource's objects: `/registry/<group, or core>/<plural>/`. */
export function storagePrefix(r: Pick<ResourceInfo, "group" | "plural">): string {
  return `/registry/${r.group || "core"}/${r.plural}/`;
}
