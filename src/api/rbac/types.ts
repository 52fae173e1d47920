import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../types.js";

/** rbac.authorization.k8s.io/v1, as the API serves it. */
export const RBAC_GROUP = "rbac.authorization.k8s.io";

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export type Role = KubeObject & { rules?: PolicyRule[] | null };
export type ClusterRole = Role & { aggregationRule?: AggregationRule | null };
export type RoleBinding = KubeObject & { roleRef: RoleRef; subjects?: Subject[] | null };

/** The user name a ServiceAccount authenticates as (upstream's serviceaccount.MakeUsername). */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}
