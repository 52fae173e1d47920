import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding, type Subject } from "../../../api/rbac/types.js";
import { CONTROLLER_ROLES } from "./controller-policy.js";

/**
 * The bootstrap policy the API server reconciles at start-up (upstream's bootstrappolicy package): the
 * user-facing roles (cluster-admin, admin, edit, view — the last three aggregated from the
 * `system:aggregate-to-*` roles and anything else labelled `rbac.authorization.k8s.io/aggregate-to-*`), the
 * roles every user gets (discovery, basic-user, public-info-viewer) and the components' roles, with their
 * ClusterRoleBindings. Every object carries `rbac.authorization.kubernetes.io/autoupdate: "true"`: set it to
 * "false" on an object to keep the reconciler's hands off it.
 */

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE = [...READ, ...WRITE];

const core = "";
const apps = "apps";
const authentication = "authentication.k8s.io";
const authorization = "authorization.k8s.io";
const autoscaling = "autoscaling";
const batch = "batch";
const certificates = "certificates.k8s.io";
const coordination = "coordination.k8s.io";
const discovery = "discovery.k8s.io";
const events = "events.k8s.io";
const extensions = "extensions";
const networking = "networking.k8s.io";
const node = "node.k8s.io";
const policy = "policy";
const storage = "storage.k8s.io";

export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";
const BOOTSTRAP_LABEL = { "kubernetes.io/bootstrapping": "rbac-defaults" };
const AGGREGATE_TO = (role: string) => `rbac.authorization.k8s.io/aggregate-to-${role}`;

/** `rule(["get"], [""], ["pods"])`, optionally limited to some names. */
function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };
}
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });
const eventsRule = rule(["create", "update", "patch"], [core, events], ["events"]);

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  const role: ClusterRole = {
    apiVersion: `${RBAC_GROUP}/v1`, kind: "ClusterRole",
    metadata: { name, labels: { ...BOOTSTRAP_LABEL, ...extra.labels }, annotations: { [AUTOUPDATE_ANNOTATION]: "true" } },
    rules,
  };
  if (extra.aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(extra.aggregateFrom)]: "true" } }] };
  return role;
}

export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
    clusterRole("system:discovery", [urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])]),
    clusterRole("system:monitoring", [urls(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"])]),
    clusterRole("system:basic-user", [
      rule(["create"], [authorization], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      rule(["create"], [authentication], ["selfsubjectreviews"]),
    ]),
    clusterRole("system:public-info-viewer", [urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])]),

    // The user-facing roles: their rules are the union of the roles that aggregate to them.
    clusterRole("admin", [], { aggregateFrom: "admin" }),
    clusterRole("edit", [], { aggregateFrom: "edit", labels: { [AGGREGATE_TO("admin")]: "true" } }),
    clusterRole("view", [], { aggregateFrom: "view", labels: { [AGGREGATE_TO("edit")]: "true" } }),
    clusterRole("system:aggregate-to-admin", [
      rule(["create"], [authorization], ["localsubjectaccessreviews"]),
      rule(READ_WRITE, [RBAC_GROUP], ["roles", "rolebindings"]),
    ], { labels: { [AGGREGATE_TO("admin")]: "true" } }),
    clusterRole("system:aggregate-to-edit", [
      // Reading what lets one act as others (secrets, exec…) is an edit power, not a view one.
      rule(READ, [core], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
      rule(["impersonate"], [core], ["serviceaccounts"]),
      rule(WRITE, [core], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
      rule(["create"], [core], ["pods/eviction"]),
      rule(WRITE, [core], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"]),
      rule(["create"], [core], ["serviceaccounts/token"]),
      rule(WRITE, [apps], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"]),
      rule(WRITE, [autoscaling], ["horizontalpodautoscalers"]),
      rule(WRITE, [batch], ["jobs", "cronjobs"]),
      rule(WRITE, [extensions], ["daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses", "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"]),
      rule(WRITE, [policy], ["poddisruptionbudgets"]),
      rule(WRITE, [networking], ["networkpolicies", "ingresses"]),
    ], { labels: { [AGGREGATE_TO("edit")]: "true" } }),
    clusterRole("system:aggregate-to-view", [
      rule(READ, [core], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
      rule(READ, [core], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"]),
      // Reading namespaces at namespace scope tells which namespaces one has access to.
      rule(READ, [core], ["namespaces"]),
      rule(READ, [discovery], ["endpointslices"]),
      rule(READ, [apps], ["controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"]),
      rule(READ, [autoscaling], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
      rule(READ, [batch], ["jobs", "jobs/status", "cronjobs", "cronjobs/status"]),
      rule(READ, [extensions], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale", "networkpolicies"]),
      rule(READ, [policy], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
      rule(READ, [networking], ["networkpolicies", "ingresses", "ingresses/status"]),
    ], { labels: { [AGGREGATE_TO("view")]: "true" } }),

    clusterRole("system:auth-delegator", [
      rule(["create"], [authentication], ["tokenreviews"]),
      rule(["create"], [authorization], ["subjectaccessreviews"]),
    ]),
    clusterRole("system:service-account-issuer-discovery", [
      urls(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]),
    ]),

    // The components' roles.
    clusterRole("system:kube-controller-manager", [
      eventsRule,
      rule(["create"], [coordination], ["leases"]),
      rule(["get", "update"], [coordination], ["leases"], ["kube-controller-manager"]),
      rule(["create"], [core], ["secrets", "serviceaccounts"]),
      rule(["delete"], [core], ["secrets"]),
      rule(["get"], [core], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
      rule(["update"], [core], ["secrets", "serviceaccounts"]),
      rule(["create"], [authentication], ["tokenreviews"]),
      rule(["create"], [authorization], ["subjectaccessreviews"]),
      rule(["list", "watch"], ["*"], ["*"]),
      rule(["create"], [core], ["serviceaccounts/token"]),
    ]),
    clusterRole("system:kube-scheduler", [
      eventsRule,
      rule(["create"], [coordination], ["leases"]),
      rule(["get", "update"], [coordination], ["leases"], ["kube-scheduler"]),
      rule(READ, [core], ["nodes"]),
      rule(["get", "list", "watch", "delete"], [core], ["pods"]),
      rule(["create"], [core], ["pods/binding", "bindings"]),
      rule(["patch", "update"], [core], ["pods/status"]),
      rule(READ, [core], ["services", "replicationcontrollers"]),
      rule(READ, [apps, extensions], ["replicasets"]),
      rule(READ, [apps], ["statefulsets"]),
      rule(READ, [policy], ["poddisruptionbudgets"]),
      rule(READ, [core], ["persistentvolumeclaims", "persistentvolumes"]),
      rule(["create"], [authentication], ["tokenreviews"]),
      rule(["create"], [authorization], ["subjectaccessreviews"]),
      rule(READ, [storage], ["csinodes", "csidrivers", "csistoragecapacities"]),
      rule(READ, [core], ["namespaces"]),
    ]),
    // What the scheduler's volume binding writes: a claim's selected node, a volume's claim reference.
    clusterRole("system:volume-scheduler", [
      rule(["get", "list", "patch", "update", "watch"], [core], ["persistentvolumes", "persistentvolumeclaims"]),
      rule(READ, [storage], ["storageclasses"]),
    ]),
    clusterRole("system:node", [
      rule(["create"], [authentication], ["tokenreviews"]),
      rule(["create"], [authorization], ["subjectaccessreviews", "localsubjectaccessreviews"]),
      rule(READ, [core], ["services"]),
      rule(["create", "delete"], [core], ["nodes"]),
      rule(["patch", "update"], [core], ["nodes/status"]),
      rule(["patch", "update"], [core], ["nodes"]),
      rule(READ, [core], ["nodes"]),
      rule(["create", "patch", "update"], [core], ["events"]),
      rule(READ, [core], ["pods"]),
      rule(["create", "delete"], [core], ["pods"]),
      rule(["patch", "update"], [core], ["pods/status"]),
      rule(["create"], [core], ["pods/eviction"]),
      rule(READ, [core], ["configmaps", "secrets"]),
      rule(["get"], [core], ["persistentvolumeclaims", "persistentvolumes"]),
      rule(["get"], [core], ["endpoints"]),
      rule(["create", "get", "list", "watch"], [certificates], ["certificatesigningrequests"]),
      rule(["create", "delete", "get", "patch", "update"], [coordination], ["leases"]),
      rule(["get"], [storage], ["volumeattachments"]),
      rule(["create"], [core], ["serviceaccounts/token"]),
      rule(["get", "patch", "update"], [core], ["persistentvolumeclaims/status"]),
      rule(READ, [storage], ["csidrivers", "csinodes"]),
      rule(READ, [node], ["runtimeclasses"]),
    ]),
    // TLS bootstrap: what a joining node's bootstrap token (kubeadm binds these) and a node renewing its
    // client certificate need, and who may approve each kubernetes.io signer's requests.
    clusterRole("system:node-bootstrapper", [rule(["create", "get", "list", "watch"], [certificates], ["certificatesigningrequests"])]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [rule(["create"], [certificates], ["certificatesigningrequests/nodeclient"])]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [rule(["create"], [certificates], ["certificatesigningrequests/selfnodeclient"])]),
    ...["kube-apiserver-client", "kube-apiserver-client-kubelet", "kubelet-serving", "legacy-unknown"].map((signer) =>
      clusterRole(`system:certificates.k8s.io:${signer}-approver`, [rule(["approve"], [certificates], ["signers"], [`kubernetes.io/${signer}`])])),
    clusterRole("system:node-proxier", [
      rule(["list", "watch"], [core], ["services", "endpoints"]),
      rule(READ, [core], ["nodes"]),
      eventsRule,
      rule(["list", "watch"], [discovery], ["endpointslices"]),
    ]),
    clusterRole("system:kube-dns", [rule(["list", "watch"], [core], ["endpoints", "services"])]),
    ...Object.entries(CONTROLLER_ROLES).map(([name, rules]) => clusterRole(`system:controller:${name}`, rules)),
  ];
}

const group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: "User", apiGroup: RBAC_GROUP, name });

function clusterBinding(role: string, subjects: Subject[], name = role): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: "true" } },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: role },
    subjects,
  };
}

export function bootstrapClusterRoleBindings(): RoleBinding[] {
  return [
    clusterBinding("cluster-admin", [group("system:masters")]),
    clusterBinding("system:monitoring", [group("system:monitoring")]),
    clusterBinding("system:discovery", [group("system:authenticated")]),
    clusterBinding("system:basic-user", [group("system:authenticated")]),
    clusterBinding("system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
    clusterBinding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
    clusterBinding("system:kube-controller-manager", [user("system:kube-controller-manager")]),
    clusterBinding("system:kube-scheduler", [user("system:kube-scheduler")]),
    clusterBinding("system:volume-scheduler", [user("system:kube-scheduler")]),
    // Upstream leaves system:node unbound: the Node authorizer grants a node what its pods need.
    clusterBinding("system:node", []),
    clusterBinding("system:node-proxier", [user("system:kube-proxy")]),
    clusterBinding("system:kube-dns", [{ kind: "ServiceAccount", name: "kube-dns", namespace: "kube-system" }]),
    // Tugboat's controller manager runs every controller as itself (upstream's default without
    // --use-service-account-credentials), so its user holds each controller's role and nothing more.
    ...Object.keys(CONTROLLER_ROLES).map((name) => clusterBinding(`system:controller:${name}`, [{ kind: "ServiceAccount", name, namespace: "kube-system" }, user("system:kube-controller-manager")])),
  ];
}
