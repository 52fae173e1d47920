import { defaultService } from "../../api/defaults/workloads.js";
import { invalid } from "../../api/field-errors.js";
import { validateService, validateServiceUpdate } from "../../api/validation/service.js";
import { validateFinalizerName } from "../../api/validation/meta.js";
import { dns1035Label, dns1123Label } from "../../api/validation/names.js";
import { carryOverAllocations } from "../services/allocations.js";
import { reviewToken } from "../auth/token-review.js";
import type { ResourceInfo, Strategy, Subresource, TableConvertor } from "../resource.js";
import * as core from "../tables/core.js";
import { podTable } from "../tables/pods.js";
import * as apps from "../tables/workloads.js";
import { roleBindingTable, roleTable } from "../tables/rbac.js";
import * as rbac from "./rbac.js";
import { podStrategy, type PodStrategyOptions } from "./pods.js";
import { configMapStrategy } from "./configmaps.js";
import { secretStrategy } from "./secrets.js";
import { persistentVolumeClaimStrategy, persistentVolumeStrategy, storageClassStrategy } from "./storage.js";
import * as w from "./workloads.js";

type Json = Record<string, unknown>;

const plain: Strategy = { status: false, generation: false };
const withStatus: Strategy = { status: true, generation: false };

const namespaceStrategy: Strategy = {
  status: true,
  generation: false,
  prepareForCreate(ns) {
    ns.spec = { finalizers: ["kubernetes"] };
    ns.status = { phase: "Active" };
  },
  // spec.finalizers change only through namespaces/finalize (upstream's namespaceStrategy.PrepareForUpdate).
  prepareForUpdate(ns, old) {
    const finalizers = (old.spec as { finalizers?: string[] } | undefined)?.finalizers;
    ns.spec = { ...(ns.spec as object | undefined), finalizers };
    if (finalizers === undefined) delete (ns.spec as { finalizers?: string[] }).finalizers;
  },
  blocksDeletion: (ns) => ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0,
  validate: (ns) => [
    ...(ns.metadata.name ? dns1123Label(ns.metadata.name).map((m) => invalid("metadata.name", ns.metadata.name, m)) : []),
    ...((ns.spec as { finalizers?: unknown[] } | undefined)?.finalizers ?? []).flatMap((f) => validateFinalizerName(String(f), "spec.finalizers")),
  ],
};

const serviceStrategy: Strategy = {
  status: true,
  generation: false,
  defaults: (svc) => defaultService(svc),
  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  prepareForUpdate: (svc, old) => carryOverAllocations(svc, old),
  validate: (svc) => [
    ...(svc.metadata.name ? dns1035Label(svc.metadata.name).map((m) => invalid("metadata.name", svc.metadata.name, m)) : []),
    ...validateService((svc.spec ?? {}) as Json),
  ],
  validateUpdate: (svc, old) => validateServiceUpdate((svc.spec ?? {}) as Json, (old.spec ?? {}) as Json),
};

interface Def {
  group?: string;
  version?: string;
  kind: string;
  plural: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: Subresource[];
  fields?: string[];
  strategy: Strategy;
  table: TableConvertor;
  verbs?: string[];
  review?: ResourceInfo["review"];
}

function define(d: Def): ResourceInfo {
  return {
    group: d.group ?? "",
    version: d.version ?? "v1",
    kind: d.kind,
    listKind: `${d.kind}List`,
    plural: d.plural,
    singular: d.kind.toLowerCase(),
    namespaced: d.namespaced ?? true,
    shortNames: d.shortNames,
    categories: d.categories,
    subresources: d.subresources ?? [],
    fields: d.fields,
    strategy: d.strategy,
    table: d.table,
    ...(d.verbs ? { verbs: d.verbs } : {}),
    ...(d.review ? { review: d.review } : {}),
  };
}

const EVENT_FIELDS = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
  "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"];

const RBAC = "rbac.authorization.k8s.io";

/** Every resource Tugboat serves, with its strategy and table columns. */
export function builtinResources(pods: PodStrategyOptions): ResourceInfo[] {
  const all = ["all"];
  return [
    define({ kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"], subresources: ["status", "finalize"], fields: ["status.phase"], strategy: namespaceStrategy, table: core.namespaceTable }),
    define({ kind: "Pod", plural: "pods", shortNames: ["po"], categories: all, subresources: ["status", "log", "binding", "eviction", "ephemeralcontainers"],
      fields: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
      strategy: podStrategy(pods), table: podTable }),
    define({ kind: "Node", plural: "nodes", namespaced: false, shortNames: ["no"], subresources: ["status"], fields: ["spec.unschedulable"], strategy: withStatus, table: core.nodeTable }),
    define({ kind: "Service", plural: "services", shortNames: ["svc"], categories: all, subresources: ["status"], strategy: serviceStrategy, table: core.serviceTable }),
    define({ kind: "Endpoints", plural: "endpoints", shortNames: ["ep"], strategy: plain, table: core.endpointsTable }),
    define({ kind: "Event", plural: "events", shortNames: ["ev"], fields: EVENT_FIELDS, strategy: plain, table: core.eventTable }),
    define({ kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"], strategy: configMapStrategy, table: core.configMapTable }),
    define({ kind: "Secret", plural: "secrets", fields: ["type"], strategy: secretStrategy, table: core.secretTable }),
    define({ kind: "ServiceAccount", plural: "serviceaccounts", shortNames: ["sa"], subresources: ["token"], strategy: plain, table: core.serviceAccountTable }),
    define({ kind: "PersistentVolume", plural: "persistentvolumes", namespaced: false, shortNames: ["pv"], subresources: ["status"], strategy: persistentVolumeStrategy, table: core.persistentVolumeTable }),
    define({ kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", shortNames: ["pvc"], subresources: ["status"], strategy: persistentVolumeClaimStrategy, table: core.persistentVolumeClaimTable }),
    define({ kind: "PodTemplate", plural: "podtemplates", strategy: plain, table: core.podTemplateTable }),
    define({ kind: "ReplicationController", plural: "replicationcontrollers", shortNames: ["rc"], categories: all, subresources: ["status", "scale"], fields: ["status.replicas"], strategy: w.replicationControllerStrategy, table: apps.replicaSetTable }),
    define({ group: "apps", kind: "Deployment", plural: "deployments", shortNames: ["deploy"], categories: all, subresources: ["status", "scale"], strategy: w.deploymentStrategy, table: apps.deploymentTable }),
    define({ group: "apps", kind: "ReplicaSet", plural: "replicasets", shortNames: ["rs"], categories: all, subresources: ["status", "scale"], fields: ["status.replicas"], strategy: w.replicaSetStrategy, table: apps.replicaSetTable }),
    define({ group: "apps", kind: "StatefulSet", plural: "statefulsets", shortNames: ["sts"], categories: all, subresources: ["status", "scale"], strategy: w.statefulSetStrategy, table: apps.statefulSetTable }),
    define({ group: "apps", kind: "DaemonSet", plural: "daemonsets", shortNames: ["ds"], categories: all, subresources: ["status"], strategy: w.daemonSetStrategy, table: apps.daemonSetTable }),
    define({ group: "apps", kind: "ControllerRevision", plural: "controllerrevisions", strategy: plain, table: apps.controllerRevisionTable }),
    define({ group: "batch", kind: "Job", plural: "jobs", categories: all, subresources: ["status"], fields: ["status.successful"], strategy: w.jobStrategy, table: apps.jobTable }),
    define({ group: "batch", kind: "CronJob", plural: "cronjobs", shortNames: ["cj"], categories: all, subresources: ["status"], strategy: w.cronJobStrategy, table: apps.cronJobTable }),
    define({ group: "storage.k8s.io", kind: "StorageClass", plural: "storageclasses", namespaced: false, shortNames: ["sc"], strategy: storageClassStrategy, table: core.storageClassTable }),
    define({ group: "coordination.k8s.io", kind: "Lease", plural: "leases", strategy: plain, table: core.leaseTable }),
    define({ group: "discovery.k8s.io", kind: "EndpointSlice", plural: "endpointslices", strategy: plain, table: core.endpointSliceTable }),
    define({ group: RBAC, kind: "Role", plural: "roles", strategy: rbac.roleStrategy, table: roleTable }),
    define({ group: RBAC, kind: "ClusterRole", plural: "clusterroles", namespaced: false, strategy: rbac.clusterRoleStrategy, table: roleTable }),
    define({ group: RBAC, kind: "RoleBinding", plural: "rolebindings", strategy: rbac.roleBindingStrategy, table: roleBindingTable }),
    define({ group: RBAC, kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false, strategy: rbac.clusterRoleBindingStrategy, table: roleBindingTable }),
    // Create-only reviews: answered, never stored.
    define({ group: "authentication.k8s.io", kind: "TokenReview", plural: "tokenreviews", namespaced: false, verbs: ["create"], strategy: plain, table: core.reviewTable, review: reviewToken }),
    define({ group: "events.k8s.io", kind: "Event", plural: "events", shortNames: ["ev"], fields: ["reason", "type", "regarding.kind", "regarding.name", "regarding.namespace"], strategy: plain, table: core.eventTable }),
  ];
}
