import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../types.js";
import { decodeKubernetesProtobuf } from "./decode.js";
import { encodeKubernetesProtobuf } from "./encode.js";

const roundTrip = (obj: object): KubeObject => decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj as KubeObject));

const MANAGED = [{
  manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", time: "2026-12-07T21:00:00Z", fieldsType: "FieldsV1",
  fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:replicas": {} } },
}, { manager: "tug", operation: "Apply", apiVersion: "apps/v1", time: "2026-12-07T21:00:01Z", fieldsType: "FieldsV1", fieldsV1: {}, subresource: "scale" }];

const META = {
  name: "web", namespace: "default", uid: "0b5d7c1e-1", resourceVersion: "42", generation: 3, creationTimestamp: "2026-12-07T20:59:59Z",
  labels: { app: "web", empty: "" }, annotations: { "a.example/x": "{\"json\":true}" }, finalizers: ["example.com/keep"],
  ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u", controller: false, blockOwnerDeletion: true }],
  deletionGracePeriodSeconds: 0, managedFields: MANAGED,
};

const POD_SPEC = {
  containers: [{
    name: "app", image: "nginx:1.14", command: ["nginx"], args: ["-g", "daemon off;"], workingDir: "/srv",
    ports: [{ containerPort: 80, protocol: "TCP" }, { name: "udp", containerPort: 53, hostPort: 5353, protocol: "UDP" }],
    env: [{ name: "A", value: "1" }, { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } }],
    envFrom: [{ prefix: "CM_", configMapRef: { name: "cfg", optional: true } }],
    resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "0", memory: "64Mi" } },
    volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }],
    livenessProbe: { httpGet: { path: "/", port: "http", scheme: "HTTP", httpHeaders: [{ name: "X", value: "y" }] }, initialDelaySeconds: 5, periodSeconds: 10 },
    readinessProbe: { tcpSocket: { port: 80 }, failureThreshold: 3 },
    startupProbe: { exec: { command: ["true"] }, terminationGracePeriodSeconds: 0 },
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    securityContext: { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] }, privileged: false },
    imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", stdin: true, tty: true,
  }],
  initContainers: [{ name: "init", image: "busybox:1.36", restartPolicy: "Always" }],
  volumes: [
    { name: "data", persistentVolumeClaim: { claimName: "data" } },
    { name: "cfg", configMap: { name: "cfg", defaultMode: 420, items: [{ key: "a", path: "a.txt", mode: 256 }], optional: false } },
    { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
    { name: "proj", projected: { sources: [{ serviceAccountToken: { audience: "vault", expirationSeconds: 3600, path: "token" } }, { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } }] } },
    { name: "host", hostPath: { path: "/var/log", type: "" } },
  ],
  restartPolicy: "Always", terminationGracePeriodSeconds: 30, activeDeadlineSeconds: 600, dnsPolicy: "ClusterFirst", nodeSelector: { "kubernetes.io/os": "linux" },
  serviceAccountName: "builder", automountServiceAccountToken: false, hostNetwork: true, securityContext: { fsGroup: 2000, supplementalGroups: [1, 2], sysctls: [{ name: "net.ipv4.ip_forward", value: "1" }] },
  imagePullSecrets: [{ name: "regcred" }], hostname: "h", subdomain: "s", schedulerName: "default-scheduler", priority: 0, enableServiceLinks: false,
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }] } },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } } }] } },
  tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] } }],
  dnsConfig: { nameservers: ["1.1.1.1"], options: [{ name: "ndots", value: "2" }] }, hostAliases: [{ ip: "10.0.0.1", hostnames: ["a", "b"] }],
};

const TEMPLATE = { metadata: { labels: { app: "web" } }, spec: POD_SPEC };

/**
 * One object per kind Tugboat takes as protobuf, with pointers at zero, maps, int64s and nested shapes, and no
 * non-pointer zero value (that one is dropped, as Go's omitempty does: tested below), so the round trip is the identity.
 */
const KINDS: Record<string, object> = {
  Deployment: {
    apiVersion: "apps/v1", kind: "Deployment", metadata: META,
    spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: TEMPLATE, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 1 } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600, paused: true, minReadySeconds: 5 },
    status: { observedGeneration: 3, replicas: 2, readyReplicas: 1, conditions: [{ type: "Available", status: "True", lastUpdateTime: "2026-12-07T21:00:00Z", lastTransitionTime: "2026-12-07T21:00:00Z", reason: "MinimumReplicasAvailable", message: "ok" }] },
  },
  ReplicaSet: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: META, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: TEMPLATE } },
  StatefulSet: {
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: META,
    spec: { serviceName: "web", replicas: 1, selector: { matchLabels: { app: "web" } }, template: TEMPLATE, podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "" } }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" }, ordinals: { start: 1 } },
  },
  DaemonSet: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: META, spec: { selector: { matchLabels: { app: "web" } }, template: TEMPLATE, updateStrategy: { type: "OnDelete" } } },
  Job: {
    apiVersion: "batch/v1", kind: "Job", metadata: META,
    spec: { parallelism: 0, completions: 3, backoffLimit: 6, activeDeadlineSeconds: 9007199254740991, ttlSecondsAfterFinished: 0, suspend: false, completionMode: "Indexed", template: TEMPLATE,
      podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: "app", operator: "In", values: [42] } }] } },
    status: { startTime: "2026-12-07T21:00:00Z", succeeded: 1, uncountedTerminatedPods: {} },
  },
  CronJob: {
    apiVersion: "batch/v1", kind: "CronJob", metadata: META,
    spec: { schedule: "*/1 * * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid", startingDeadlineSeconds: 100, suspend: false, successfulJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels: { a: "b" } }, spec: { template: TEMPLATE } } },
  },
  Pod: { apiVersion: "v1", kind: "Pod", metadata: META, spec: POD_SPEC, status: { phase: "Running", podIP: "10.1.0.5", podIPs: [{ ip: "10.1.0.5" }], startTime: "2026-12-07T21:00:00Z" } },
  Service: {
    apiVersion: "v1", kind: "Service", metadata: META,
    spec: { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http", nodePort: 30080, protocol: "TCP", appProtocol: "http" }, { port: 53, targetPort: 5353, protocol: "UDP" }],
      clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, externalTrafficPolicy: "Cluster", internalTrafficPolicy: "Local", allocateLoadBalancerNodePorts: false },
    status: { loadBalancer: { ingress: [{ ip: "192.0.2.1", ports: [{ port: 80, protocol: "TCP" }] }] } },
  },
  ConfigMap: { apiVersion: "v1", kind: "ConfigMap", metadata: META, data: { a: "b", empty: "" }, binaryData: { bin: "AAEC/w==" }, immutable: false },
  Secret: { apiVersion: "v1", kind: "Secret", metadata: META, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": "e30=", empty: "" }, stringData: { s: "t" }, immutable: true },
  Namespace: { apiVersion: "v1", kind: "Namespace", metadata: META, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } },
  ServiceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: META, secrets: [{ name: "tok", namespace: "default" }], imagePullSecrets: [{ name: "reg" }], automountServiceAccountToken: false },
  Scale: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: META, spec: { replicas: 4 }, status: { replicas: 3, selector: "app=web" } },
  Eviction: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p", namespace: "default" }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: "u" } } },
  ClusterRole: {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: META,
    rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] }, { verbs: ["get"], nonResourceURLs: ["/healthz"] }],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: "true" } }] },
  },
  RoleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: META,
    subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
  },
  SubjectAccessReview: {
    apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", metadata: {},
    spec: { user: "alice", groups: ["dev"], uid: "1", extra: { scopes: ["a", "b"], none: [] }, resourceAttributes: { namespace: "default", verb: "list", resource: "pods",
      fieldSelector: { rawSelector: "spec.nodeName=n" }, labelSelector: { requirements: [{ key: "app", operator: "In", values: ["web"] }] } } },
    status: { allowed: true, reason: "by a binding" },
  },
  TokenRequest: {
    apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: { name: "default" },
    spec: { audiences: ["vault"], expirationSeconds: 3600, boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "u" } },
    status: { token: "t", expirationTimestamp: "2026-12-07T22:00:00Z" },
  },
  CertificateSigningRequest: {
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: META,
    spec: { request: "LS0tLS1CRUdJTg==", signerName: "kubernetes.io/kube-apiserver-client", expirationSeconds: 86400, usages: ["client auth"], username: "u", extra: { k: ["v"] } },
    status: { conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", lastUpdateTime: "2026-12-07T21:00:00Z" }], certificate: "Y2VydA==" },
  },
};

for (const [kind, obj] of Object.entries(KINDS)) {
  test(`encodeKubernetesProtobuf and decodeKubernetesProtobuf round-trip a ${kind}`, () => {
    assert.deepEqual(roundTrip(obj), obj);
  });
}

test("encodeKubernetesProtobuf drops Go's non-pointer zero values and keeps pointers at zero", () => {
  const obj = roundTrip({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", generation: 0, labels: {} },
    spec: { replicas: 0, paused: false, minReadySeconds: 0, revisionHistoryLimit: 0, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, hostPort: 0 }] }] } } },
  });
  assert.deepEqual(obj, {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
    spec: { replicas: 0, revisionHistoryLimit: 0, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80 }] }] } } },
  });
});

test("encodeKubernetesProtobuf keeps managedFields with their FieldsV1 and times (ObjectMeta field 17)", () => {
  const obj = roundTrip({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", managedFields: MANAGED }, data: { a: "b" } });
  assert.deepEqual(obj.metadata.managedFields, [{ ...MANAGED[0] }, { ...MANAGED[1], fieldsV1: {} }]);
});

test("encodeKubernetesProtobuf keeps int64 values up to 2^53 and IntOrString's int and string forms", () => {
  const obj = roundTrip({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { activeDeadlineSeconds: 2 ** 53 - 1, template: {} } });
  assert.equal((obj.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds, 2 ** 53 - 1);
  const svc = roundTrip({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: 0 }, { port: 81, targetPort: "" }, { port: 82, targetPort: "web" }] } });
  assert.deepEqual((svc.spec as { ports: unknown[] }).ports, [{ port: 80, targetPort: 0 }, { port: 81, targetPort: "" }, { port: 82, targetPort: "web" }]);
});

test("encodeKubernetesProtobuf refuses a key the message doesn't have instead of dropping it", () => {
  assert.throws(() => encodeKubernetesProtobuf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", nmae: "x" } } as unknown as KubeObject), /ConfigMap\.metadata\.nmae is not a field/);
  assert.throws(() => encodeKubernetesProtobuf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: 7 } } as unknown as KubeObject), /metadata\.name must be a string/);
  assert.throws(() => encodeKubernetesProtobuf({ apiVersion: "v1", kind: "Node", metadata: { name: "n" } }), /no message for v1\/Node/);
});
