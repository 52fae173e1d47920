import type { ObjectMeta as UpstreamObjectMeta } from "kubernetes-types/meta/v1.js";

/** kubernetes-types marks the server-owned fields readonly; the server is who writes them. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type ObjectMeta = Mutable<UpstreamObjectMeta>;

/** Any Kubernetes object as it travels through the API: typed metadata, the rest as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
