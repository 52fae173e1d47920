import type { PolicyRule } from "../../../api/rbac/types.js";

const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });

/**
 * What a node agent may do beyond the objects its pods use (upstream's bootstrap NodeRules, which the
 * Node authorizer applies to `system:node:<name>`): register and report its Node, read Services and
 * pods, report its pods' status, its Lease, events, token and access reviews for delegated checks, and
 * its certificate requests. Secrets, ConfigMaps, claims, volumes and service account tokens are
 * listed too but only reach the objects the graph relates to the node.
 */
export const NODE_RULES: readonly PolicyRule[] = [
  rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
  rule(["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"], ["create"]),
  rule([""], ["services"], ["get", "list", "watch"]),
  rule([""], ["nodes"], ["create", "get", "list", "watch", "patch", "update"]),
  rule([""], ["nodes/status"], ["patch", "update"]),
  rule([""], ["events"], ["create", "patch", "update"]),
  rule(["events.k8s.io"], ["events"], ["create", "patch", "update"]),
  rule([""], ["pods"], ["get", "list", "watch", "create", "delete"]),
  rule([""], ["pods/status"], ["patch", "update"]),
  rule([""], ["pods/eviction"], ["create"]),
  rule([""], ["secrets", "configmaps"], ["get", "list", "watch"]),
  rule([""], ["persistentvolumeclaims", "persistentvolumes"], ["get"]),
  rule([""], ["persistentvolumeclaims/status"], ["get", "update", "patch"]),
  rule([""], ["endpoints"], ["get"]),
  rule([""], ["serviceaccounts/token"], ["create"]),
  rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get", "list", "watch"]),
  rule(["coordination.k8s.io"], ["leases"], ["get", "create", "update", "patch", "delete"]),
  rule(["storage.k8s.io"], ["volumeattachments"], ["get"]),
  rule(["storage.k8s.io"], ["csidrivers"], ["get", "watch", "list"]),
  rule(["storage.k8s.io"], ["csinodes"], ["create", "delete", "get", "patch", "update"]),
  rule(["node.k8s.io"], ["runtimeclasses"], ["get", "list", "watch"]),
];
