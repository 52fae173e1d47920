/**
 * The Kubernetes protobuf wire schema (k8s.io/api generated.proto) for the kinds kubectl's typed clients
 * send — `kubectl create deployment|job|cronjob|service|configmap|secret|namespace|serviceaccount`.
 * Each field: [number, jsonName, type, flags]. Flag "p": a Go pointer, kept even when zero; "r": repeated.
 * Non-pointer zero values are dropped, as JSON's omitempty would.
 */
export type FieldType =
  | "string" | "bytes" | "bool" | "int32" | "int64"
  | "intstr" | "quantity" | "time"
  | "map" | "bytesmap" | "quantitymap"
  | `msg:${string}`;

export type Field = readonly [number, string, FieldType, string?];

const meta: Record<string, Field[]> = {
  ObjectMeta: [[1, "name", "string"], [2, "generateName", "string"], [3, "namespace", "string"], [4, "selfLink", "string"], [5, "uid", "string"],
    [6, "resourceVersion", "string"], [7, "generation", "int64"], [8, "creationTimestamp", "time"], [9, "deletionTimestamp", "time", "p"],
    [10, "deletionGracePeriodSeconds", "int64", "p"], [11, "labels", "map"], [12, "annotations", "map"], [13, "ownerReferences", "msg:OwnerReference", "r"],
    [14, "finalizers", "string", "r"], [17, "managedFields", "msg:Skip", "r"]],
  OwnerReference: [[1, "kind", "string"], [3, "name", "string"], [4, "uid", "string"], [5, "apiVersion", "string"], [6, "controller", "bool", "p"], [7, "blockOwnerDeletion", "bool", "p"]],
  LabelSelector: [[1, "matchLabels", "map"], [2, "matchExpressions", "msg:LabelSelectorRequirement", "r"]],
  LabelSelectorRequirement: [[1, "key", "string"], [2, "operator", "string"], [3, "values", "string", "r"]],
  Skip: [],
  DeleteOptions: [[1, "gracePeriodSeconds", "int64", "p"], [2, "preconditions", "msg:Preconditions", "p"], [3, "orphanDependents", "bool", "p"],
    [4, "propagationPolicy", "string", "p"], [5, "dryRun", "string", "r"], [6, "ignoreStoreReadErrorWithClusterBreakingPotential", "bool", "p"]],
  Preconditions: [[1, "uid", "string", "p"], [2, "resourceVersion", "string", "p"]],
  Eviction: [[1, "metadata", "msg:ObjectMeta"], [2, "deleteOptions", "msg:DeleteOptions", "p"]],
};

const core: Record<string, Field[]> = {
  PodTemplateSpec: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:PodSpec"]],
  PodSpec: [[1, "volumes", "msg:Volume", "r"], [2, "containers", "msg:Container", "r"], [3, "restartPolicy", "string"], [4, "terminationGracePeriodSeconds", "int64", "p"],
    [5, "activeDeadlineSeconds", "int64", "p"], [6, "dnsPolicy", "string"], [7, "nodeSelector", "map"], [8, "serviceAccountName", "string"], [9, "serviceAccount", "string"],
    [10, "nodeName", "string"], [11, "hostNetwork", "bool"], [12, "hostPID", "bool"], [13, "hostIPC", "bool"], [14, "securityContext", "msg:PodSecurityContext", "p"],
    [15, "imagePullSecrets", "msg:LocalObjectReference", "r"], [16, "hostname", "string"], [17, "subdomain", "string"], [18, "affinity", "msg:Opaque", "p"],
    [19, "schedulerName", "string"], [20, "initContainers", "msg:Container", "r"], [21, "automountServiceAccountToken", "bool", "p"], [22, "tolerations", "msg:Toleration", "r"],
    [24, "priorityClassName", "string"], [25, "priority", "int32", "p"], [27, "shareProcessNamespace", "bool", "p"], [29, "runtimeClassName", "string", "p"],
    [30, "enableServiceLinks", "bool", "p"], [31, "preemptionPolicy", "string", "p"], [35, "setHostnameAsFQDN", "bool", "p"], [37, "hostUsers", "bool", "p"]],
  PodSecurityContext: [[2, "runAsUser", "int64", "p"], [3, "runAsNonRoot", "bool", "p"], [5, "fsGroup", "int64", "p"], [6, "runAsGroup", "int64", "p"]],
  Opaque: [],
  Container: [[1, "name", "string"], [2, "image", "string"], [3, "command", "string", "r"], [4, "args", "string", "r"], [5, "workingDir", "string"],
    [6, "ports", "msg:ContainerPort", "r"], [7, "env", "msg:EnvVar", "r"], [8, "resources", "msg:ResourceRequirements"], [9, "volumeMounts", "msg:VolumeMount", "r"],
    [10, "livenessProbe", "msg:Probe", "p"], [11, "readinessProbe", "msg:Probe", "p"], [13, "terminationMessagePath", "string"], [14, "imagePullPolicy", "string"],
    [16, "stdin", "bool"], [17, "stdinOnce", "bool"], [18, "tty", "bool"], [20, "terminationMessagePolicy", "string"], [22, "startupProbe", "msg:Probe", "p"],
    [24, "restartPolicy", "string", "p"]],
  ContainerPort: [[1, "name", "string"], [2, "hostPort", "int32"], [3, "containerPort", "int32"], [4, "protocol", "string"], [5, "hostIP", "string"]],
  EnvVar: [[1, "name", "string"], [2, "value", "string"]],
  ResourceRequirements: [[1, "limits", "quantitymap"], [2, "requests", "quantitymap"]],
  VolumeMount: [[1, "name", "string"], [2, "readOnly", "bool"], [3, "mountPath", "string"], [4, "subPath", "string"]],
  Volume: [[1, "name", "string"]],
  Probe: [[1, "handler", "msg:Opaque"], [2, "initialDelaySeconds", "int32"], [3, "timeoutSeconds", "int32"], [4, "periodSeconds", "int32"], [5, "successThreshold", "int32"], [6, "failureThreshold", "int32"], [7, "terminationGracePeriodSeconds", "int64", "p"]],
  Toleration: [[1, "key", "string"], [2, "operator", "string"], [3, "value", "string"], [4, "effect", "string"], [5, "tolerationSeconds", "int64", "p"]],
  LocalObjectReference: [[1, "name", "string"]],
  ObjectReference: [[1, "kind", "string"], [2, "namespace", "string"], [3, "name", "string"], [4, "uid", "string"], [5, "apiVersion", "string"], [6, "resourceVersion", "string"], [7, "fieldPath", "string"]],
  Namespace: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:NamespaceSpec"], [3, "status", "msg:Skip"]],
  NamespaceSpec: [[1, "finalizers", "string", "r"]],
  ConfigMap: [[1, "metadata", "msg:ObjectMeta"], [2, "data", "map"], [3, "binaryData", "bytesmap"], [4, "immutable", "bool", "p"]],
  Secret: [[1, "metadata", "msg:ObjectMeta"], [2, "data", "bytesmap"], [3, "type", "string"], [4, "stringData", "map"], [5, "immutable", "bool", "p"]],
  ServiceAccount: [[1, "metadata", "msg:ObjectMeta"], [2, "secrets", "msg:ObjectReference", "r"], [3, "imagePullSecrets", "msg:LocalObjectReference", "r"], [4, "automountServiceAccountToken", "bool", "p"]],
  Service: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:ServiceSpec"], [3, "status", "msg:Skip"]],
  ServiceSpec: [[1, "ports", "msg:ServicePort", "r"], [2, "selector", "map"], [3, "clusterIP", "string"], [4, "type", "string"], [5, "externalIPs", "string", "r"],
    [7, "sessionAffinity", "string"], [8, "loadBalancerIP", "string"], [9, "loadBalancerSourceRanges", "string", "r"], [10, "externalName", "string"],
    [11, "externalTrafficPolicy", "string"], [12, "healthCheckNodePort", "int32"], [13, "publishNotReadyAddresses", "bool"], [17, "ipFamilyPolicy", "string", "p"],
    [18, "clusterIPs", "string", "r"], [19, "ipFamilies", "string", "r"], [20, "allocateLoadBalancerNodePorts", "bool", "p"], [21, "loadBalancerClass", "string", "p"],
    [22, "internalTrafficPolicy", "string", "p"], [23, "trafficDistribution", "string", "p"]],
  ServicePort: [[1, "name", "string"], [2, "protocol", "string"], [3, "port", "int32"], [4, "targetPort", "intstr"], [5, "nodePort", "int32"], [6, "appProtocol", "string", "p"]],
};

const apps: Record<string, Field[]> = {
  Deployment: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:DeploymentSpec"], [3, "status", "msg:Skip"]],
  DeploymentSpec: [[1, "replicas", "int32", "p"], [2, "selector", "msg:LabelSelector", "p"], [3, "template", "msg:PodTemplateSpec"], [4, "strategy", "msg:DeploymentStrategy"],
    [5, "minReadySeconds", "int32"], [6, "revisionHistoryLimit", "int32", "p"], [7, "paused", "bool"], [9, "progressDeadlineSeconds", "int32", "p"]],
  DeploymentStrategy: [[1, "type", "string"], [2, "rollingUpdate", "msg:RollingUpdateDeployment", "p"]],
  RollingUpdateDeployment: [[1, "maxUnavailable", "intstr", "p"], [2, "maxSurge", "intstr", "p"]],
};

const batch: Record<string, Field[]> = {
  Job: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:JobSpec"], [3, "status", "msg:Skip"]],
  JobSpec: [[1, "parallelism", "int32", "p"], [2, "completions", "int32", "p"], [3, "activeDeadlineSeconds", "int64", "p"], [4, "selector", "msg:LabelSelector", "p"],
    [5, "manualSelector", "bool", "p"], [6, "template", "msg:PodTemplateSpec"], [7, "backoffLimit", "int32", "p"], [8, "ttlSecondsAfterFinished", "int32", "p"],
    [9, "completionMode", "string", "p"], [10, "suspend", "bool", "p"], [12, "backoffLimitPerIndex", "int32", "p"], [13, "maxFailedIndexes", "int32", "p"],
    [14, "podReplacementPolicy", "string", "p"], [16, "managedBy", "string", "p"]],
  CronJob: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:CronJobSpec"], [3, "status", "msg:Skip"]],
  CronJobSpec: [[1, "schedule", "string"], [2, "startingDeadlineSeconds", "int64", "p"], [3, "concurrencyPolicy", "string"], [4, "suspend", "bool", "p"],
    [5, "jobTemplate", "msg:JobTemplateSpec"], [6, "successfulJobsHistoryLimit", "int32", "p"], [7, "failedJobsHistoryLimit", "int32", "p"], [8, "timeZone", "string", "p"]],
  JobTemplateSpec: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:JobSpec"]],
};

/** rbac.authorization.k8s.io/v1 (`kubectl create role|clusterrole|rolebinding|clusterrolebinding`). */
const rbac: Record<string, Field[]> = {
  Role: [[1, "metadata", "msg:ObjectMeta"], [2, "rules", "msg:PolicyRule", "r"]],
  ClusterRole: [[1, "metadata", "msg:ObjectMeta"], [2, "rules", "msg:PolicyRule", "r"], [3, "aggregationRule", "msg:AggregationRule", "p"]],
  PolicyRule: [[1, "verbs", "string", "r"], [2, "apiGroups", "string", "r"], [3, "resources", "string", "r"], [4, "resourceNames", "string", "r"], [5, "nonResourceURLs", "string", "r"]],
  AggregationRule: [[1, "clusterRoleSelectors", "msg:LabelSelector", "r"]],
  RoleBinding: [[1, "metadata", "msg:ObjectMeta"], [2, "subjects", "msg:Subject", "r"], [3, "roleRef", "msg:RoleRef"]],
  Subject: [[1, "kind", "string"], [2, "apiGroup", "string"], [3, "name", "string"], [4, "namespace", "string"]],
  RoleRef: [[1, "apiGroup", "string"], [2, "kind", "string"], [3, "name", "string"]],
};

/** authorization.k8s.io/v1 reviews (`kubectl auth can-i`); a SubjectAccessReview's `extra` is not read from protobuf. */
const authorization: Record<string, Field[]> = {
  SubjectAccessReview: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:SubjectAccessReviewSpec"], [3, "status", "msg:Skip"]],
  SubjectAccessReviewSpec: [[1, "resourceAttributes", "msg:ResourceAttributes", "p"], [2, "nonResourceAttributes", "msg:NonResourceAttributes", "p"],
    [3, "user", "string"], [4, "groups", "string", "r"], [5, "extra", "msg:Skip", "r"], [6, "uid", "string"]],
  SelfSubjectAccessReview: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:SelfSubjectAccessReviewSpec"], [3, "status", "msg:Skip"]],
  SelfSubjectAccessReviewSpec: [[1, "resourceAttributes", "msg:ResourceAttributes", "p"], [2, "nonResourceAttributes", "msg:NonResourceAttributes", "p"]],
  ResourceAttributes: [[1, "namespace", "string"], [2, "verb", "string"], [3, "group", "string"], [4, "version", "string"], [5, "resource", "string"],
    [6, "subresource", "string"], [7, "name", "string"], [8, "fieldSelector", "msg:Skip", "p"], [9, "labelSelector", "msg:Skip", "p"]],
  NonResourceAttributes: [[1, "path", "string"], [2, "verb", "string"]],
  SelfSubjectRulesReview: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:SelfSubjectRulesReviewSpec"], [3, "status", "msg:Skip"]],
  SelfSubjectRulesReviewSpec: [[1, "namespace", "string"]],
};

/** authentication.k8s.io/v1: what `kubectl auth whoami` and `kubectl create token` send, and TokenReview. */
const authentication: Record<string, Field[]> = {
  SelfSubjectReview: [[1, "metadata", "msg:ObjectMeta"], [2, "status", "msg:Skip"]],
  TokenRequest: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:TokenRequestSpec"], [3, "status", "msg:Skip"]],
  TokenRequestSpec: [[1, "audiences", "string", "r"], [3, "boundObjectRef", "msg:BoundObjectReference", "p"], [4, "expirationSeconds", "int64", "p"]],
  BoundObjectReference: [[1, "kind", "string"], [2, "apiVersion", "string"], [3, "name", "string"], [4, "uid", "string"]],
  TokenReview: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:TokenReviewSpec"], [3, "status", "msg:Skip"]],
  TokenReviewSpec: [[1, "token", "string"], [2, "audiences", "string", "r"]],
};

/** certificates.k8s.io: what `kubectl certificate approve|deny` sends to the approval subresource. */
const certificates: Record<string, Field[]> = {
  CertificateSigningRequest: [[1, "metadata", "msg:ObjectMeta"], [2, "spec", "msg:CertificateSigningRequestSpec"], [3, "status", "msg:CertificateSigningRequestStatus"]],
  CertificateSigningRequestSpec: [[1, "request", "bytes"], [2, "username", "string"], [3, "uid", "string"], [4, "groups", "string", "r"], [5, "usages", "string", "r"],
    [6, "extra", "msg:Skip", "r"], [7, "signerName", "string"], [8, "expirationSeconds", "int32", "p"]],
  CertificateSigningRequestStatus: [[1, "conditions", "msg:CertificateSigningRequestCondition", "r"], [2, "certificate", "bytes"]],
  CertificateSigningRequestCondition: [[1, "type", "string"], [2, "reason", "string"], [3, "message", "string"], [4, "lastUpdateTime", "time"],
    [5, "lastTransitionTime", "time"], [6, "status", "string"]],
};

export const MESSAGES: Record<string, Field[]> = { ...meta, ...core, ...apps, ...batch, ...rbac, ...authorization, ...authentication, ...certificates };

/** Top-level kinds the decoder accepts, by `apiVersion/kind`. */
export const TOP_LEVEL: Record<string, string> = {
  "apps/v1/Deployment": "Deployment",
  "batch/v1/Job": "Job",
  "batch/v1/CronJob": "CronJob",
  "v1/Service": "Service",
  "v1/ConfigMap": "ConfigMap",
  "v1/Secret": "Secret",
  "v1/Namespace": "Namespace",
  "v1/ServiceAccount": "ServiceAccount",
  "policy/v1/Eviction": "Eviction",
  "rbac.authorization.k8s.io/v1/Role": "Role",
  "rbac.authorization.k8s.io/v1/ClusterRole": "ClusterRole",
  "rbac.authorization.k8s.io/v1/RoleBinding": "RoleBinding",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "RoleBinding",
  "authorization.k8s.io/v1/SubjectAccessReview": "SubjectAccessReview",
  "authorization.k8s.io/v1/LocalSubjectAccessReview": "SubjectAccessReview",
  "authorization.k8s.io/v1/SelfSubjectAccessReview": "SelfSubjectAccessReview",
  "authorization.k8s.io/v1/SelfSubjectRulesReview": "SelfSubjectRulesReview",
  "authentication.k8s.io/v1/SelfSubjectReview": "SelfSubjectReview",
  "certificates.k8s.io/v1/CertificateSigningRequest": "CertificateSigningRequest",
  "authentication.k8s.io/v1/TokenRequest": "TokenRequest",
  "authentication.k8s.io/v1/TokenReview": "TokenReview",
};

/**
 * Options messages client-go encodes in whichever group version its client has (`apps/v1`
 * DeleteOptions from the apps clientset, `v1` from the core one), as every group registers them.
 */
export const OPTIONS_KINDS: Record<string, string> = {
  DeleteOptions: "DeleteOptions",
};
