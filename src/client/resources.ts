import type { ResourceRef } from "./rest.js";

/** The resources the components talk about, as discovery names them. */
export const PODS: ResourceRef = { group: "", version: "v1", resource: "pods", namespaced: true };
export const NODES: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };
export const CONFIGMAPS: ResourceRef = { group: "", version: "v1", resource: "configmaps", namespaced: true };
export const SECRETS: ResourceRef = { group: "", version: "v1", resource: "secrets", namespaced: true };
export const EVENTS: ResourceRef = { group: "", version: "v1", resource: "events", namespaced: true };
export const LEASES: ResourceRef = { group: "coordination.k8s.io", version: "v1", resource: "leases", namespaced: true };
export const REPLICASETS: ResourceRef = { group: "apps", version: "v1", resource: "replicasets", namespaced: true };
export const DEPLOYMENTS: ResourceRef = { group: "apps", version: "v1", resource: "deployments", namespaced: true };
export const SERVICES: ResourceRef = { group: "", version: "v1", resource: "services", namespaced: true };
export const ENDPOINTS: ResourceRef = { group: "", version: "v1", resource: "endpoints", namespaced: true };
export const ENDPOINTSLICES: ResourceRef = { group: "discovery.k8s.io", version: "v1", resource: "endpointslices", namespaced: true };
export const DAEMONSETS: ResourceRef = { group: "apps", version: "v1", resource: "daemonsets", namespaced: true };
export const STATEFULSETS: ResourceRef = { group: "apps", version: "v1", resource: "statefulsets", namespaced: true };
export const CONTROLLERREVISIONS: ResourceRef = { group: "apps", version: "v1", resource: "controllerrevisions", namespaced: true };
export const JOBS: ResourceRef = { group: "batch", version: "v1", resource: "jobs", namespaced: true };
export const CRONJOBS: ResourceRef = { group: "batch", version: "v1", resource: "cronjobs", namespaced: true };
export const PERSISTENTVOLUMECLAIMS: ResourceRef = { group: "", version: "v1", resource: "persistentvolumeclaims", namespaced: true };
export const PERSISTENTVOLUMES: ResourceRef = { group: "", version: "v1", resource: "persistentvolumes", namespaced: false };
export const STORAGECLASSES: ResourceRef = { group: "storage.k8s.io", version: "v1", resource: "storageclasses", namespaced: false };
export const NAMESPACES: ResourceRef = { group: "", version: "v1", resource: "namespaces", namespaced: false };
export const SERVICEACCOUNTS: ResourceRef = { group: "", version: "v1", resource: "serviceaccounts", namespaced: true };
export const ROLES: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", namespaced: true };
export const CLUSTERROLES: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", namespaced: false };
export const ROLEBINDINGS: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", namespaced: true };
export const CLUSTERROLEBINDINGS: ResourceRef = { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", namespaced: false };
export const CERTIFICATESIGNINGREQUESTS: ResourceRef = { group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", namespaced: false };
