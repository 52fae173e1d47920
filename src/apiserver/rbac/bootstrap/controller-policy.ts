import type { PolicyRule } from "../../../api/rbac/types.js";

/**
 * The roles of the controllers Tugboat's controller manager runs, as upstream's controller policy grants
 * them (`system:controller:<name>`, bound to the ServiceAccount kube-system/<name> that upstream's
 * controller manager uses for that controller with --use-service-account-credentials).
 */

const core = "";
const apps = "apps";
const batch = "batch";
const discovery = "discovery.k8s.io";
const events = "events.k8s.io";
const extensions = "extensions";
const storage = "storage.k8s.io";

const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const eventsRule = r(["create", "update", "patch"], [core, events], ["events"]);

export const CONTROLLER_ROLES: Record<string, PolicyRule[]> = {
  "cronjob-controller": [
    r(["get", "list", "watch", "update"], [batch], ["cronjobs"]),
    r(["get", "list", "watch", "create", "update", "delete", "patch"], [batch], ["jobs"]),
    r(["update"], [batch], ["cronjobs/status", "cronjobs/finalizers"]),
    r(["list", "watch", "delete"], [core], ["pods"]),
    eventsRule,
  ],
  "daemon-set-controller": [
    r(["get", "list", "watch"], [extensions, apps], ["daemonsets"]),
    r(["update"], [extensions, apps], ["daemonsets/status", "daemonsets/finalizers"]),
    r(["list", "watch"], [core], ["nodes"]),
    r(["list", "watch", "create", "delete", "patch"], [core], ["pods"]),
    r(["create"], [core], ["pods/binding"]),
    r(["get", "list", "watch", "create", "delete", "update", "patch"], [apps], ["controllerrevisions"]),
    eventsRule,
  ],
  "deployment-controller": [
    r(["get", "list", "watch", "update"], [extensions, apps], ["deployments"]),
    r(["update"], [extensions, apps], ["deployments/status", "deployments/finalizers"]),
    r(["get", "list", "watch", "create", "update", "patch", "delete"], [apps, extensions], ["replicasets"]),
    r(["get", "list", "watch", "update"], [core], ["pods"]),
    eventsRule,
  ],
  "endpoint-controller": [
    r(["get", "list", "watch"], [core], ["services", "pods"]),
    r(["get", "list", "watch", "create", "update", "delete"], [core], ["endpoints"]),
    r(["create"], [core], ["endpoints/restricted"]),
    eventsRule,
  ],
  "endpointslice-controller": [
    r(["get", "list", "watch"], [core], ["services", "pods", "nodes"]),
    r(["update"], [core], ["services/finalizers"]),
    r(["get", "list", "watch", "create", "update", "delete"], [discovery], ["endpointslices"]),
    eventsRule,
  ],
  "endpointslicemirroring-controller": [
    r(["get", "list", "watch"], [core], ["services", "endpoints"]),
    r(["update"], [core], ["services/finalizers", "endpoints/finalizers"]),
    r(["get", "list", "watch", "create", "update", "delete"], [discovery], ["endpointslices"]),
    eventsRule,
  ],
  "generic-garbage-collector": [r(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]), eventsRule],
  "job-controller": [
    r(["get", "list", "watch", "update", "patch"], [batch], ["jobs"]),
    r(["update"], [batch], ["jobs/status", "jobs/finalizers"]),
    r(["list", "watch", "create", "delete", "patch"], [core], ["pods"]),
    eventsRule,
  ],
  "namespace-controller": [
    r(["get", "list", "watch", "delete"], [core], ["namespaces"]),
    r(["update"], [core], ["namespaces/finalize", "namespaces/status"]),
    r(["get", "list", "watch", "delete", "deletecollection"], ["*"], ["*"]),
  ],
  "node-controller": [
    r(["get", "list", "watch", "update", "delete", "patch"], [core], ["nodes"]),
    r(["patch", "update"], [core], ["nodes/status", "pods/status"]),
    r(["list", "watch", "get", "delete"], [core], ["pods"]),
    eventsRule,
  ],
  "persistent-volume-binder": [
    r(["get", "list", "watch", "update", "create", "delete"], [core], ["persistentvolumes"]),
    r(["update"], [core], ["persistentvolumes/status", "persistentvolumeclaims/status"]),
    r(["get", "list", "watch", "update"], [core], ["persistentvolumeclaims"]),
    r(["list", "watch", "get", "create", "delete"], [core], ["pods"]),
    r(["get", "list", "watch"], [storage], ["storageclasses"]),
    r(["list", "watch"], [core], ["nodes"]),
    eventsRule,
    r(["watch"], [core], ["events"]),
  ],
  "pod-garbage-collector": [
    r(["list", "watch", "delete"], [core], ["pods"]),
    r(["get", "list", "watch"], [core], ["nodes"]),
    r(["patch"], [core], ["pods/status"]),
  ],
  "replicaset-controller": [
    r(["get", "list", "watch", "update"], [apps, extensions], ["replicasets"]),
    r(["update"], [apps, extensions], ["replicasets/status", "replicasets/finalizers"]),
    r(["list", "watch", "patch", "create", "delete"], [core], ["pods"]),
    eventsRule,
  ],
  "replication-controller": [
    r(["get", "list", "watch", "update"], [core], ["replicationcontrollers"]),
    r(["update"], [core], ["replicationcontrollers/status", "replicationcontrollers/finalizers"]),
    r(["list", "watch", "patch", "create", "delete"], [core], ["pods"]),
    eventsRule,
  ],
  "root-ca-cert-publisher": [r(["create", "update"], [core], ["configmaps"]), eventsRule],
  "service-account-controller": [r(["create"], [core], ["serviceaccounts"]), eventsRule],
  "statefulset-controller": [
    r(["list", "watch"], [core], ["pods"]),
    r(["get", "list", "watch"], [apps], ["statefulsets"]),
    r(["update"], [apps], ["statefulsets/status", "statefulsets/finalizers"]),
    r(["get", "create", "delete", "update", "patch"], [core], ["pods"]),
    r(["get", "create", "delete", "update", "patch", "list", "watch"], [apps], ["controllerrevisions"]),
    r(["get", "create", "list", "watch"], [core], ["persistentvolumeclaims"]),
    r(["update", "delete"], [core], ["persistentvolumeclaims"]),
    r(["update"], [core], ["pods/finalizers"]),
    eventsRule,
  ],
  "ttl-after-finished-controller": [r(["get", "list", "watch", "delete"], [batch], ["jobs"]), eventsRule],
  "certificate-controller": [
    r(["get", "list", "watch", "delete"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
    r(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/status", "certificatesigningrequests/approval"]),
    { verbs: ["approve", "sign"], apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown"] },
    r(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    eventsRule,
  ],
  // Upstream runs the legacy token controller with the controller manager's own credentials.
  "tokens-controller": [
    r(["get", "list", "watch", "create", "update", "delete"], [core], ["secrets"]),
    r(["get", "list", "watch"], [core], ["serviceaccounts", "configmaps"]),
  ],
  // It must be able to write any rules into a ClusterRole, hence escalate.
  "clusterrole-aggregation-controller": [r(["escalate", "get", "list", "watch", "update", "patch"], ["rbac.authorization.k8s.io"], ["clusterroles"])],
};
