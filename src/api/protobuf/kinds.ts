import type { DescMessage } from "@bufbuild/protobuf";
import { DaemonSetSchema, DeploymentSchema, ReplicaSetSchema, StatefulSetSchema } from "./gen/k8s.io/api/apps/v1/types_pb.js";
import { SelfSubjectReviewSchema, TokenRequestSchema, TokenReviewSchema } from "./gen/k8s.io/api/authentication/v1/types_pb.js";
import {
  LocalSubjectAccessReviewSchema, SelfSubjectAccessReviewSchema, SelfSubjectRulesReviewSchema, SubjectAccessReviewSchema,
} from "./gen/k8s.io/api/authorization/v1/types_pb.js";
import { ScaleSchema } from "./gen/k8s.io/api/autoscaling/v1/types_pb.js";
import { CronJobSchema, JobSchema } from "./gen/k8s.io/api/batch/v1/types_pb.js";
import { CertificateSigningRequestSchema } from "./gen/k8s.io/api/certificates/v1/types_pb.js";
import { ConfigMapSchema, NamespaceSchema, PodSchema, SecretSchema, ServiceAccountSchema, ServiceSchema } from "./gen/k8s.io/api/core/v1/types_pb.js";
import { EvictionSchema } from "./gen/k8s.io/api/policy/v1/types_pb.js";
import { ClusterRoleBindingSchema, ClusterRoleSchema, RoleBindingSchema, RoleSchema } from "./gen/k8s.io/api/rbac/v1/types_pb.js";
import { DeleteOptionsSchema } from "./gen/k8s.io/apimachinery/pkg/apis/meta/v1/types_pb.js";

/**
 * The kinds Tugboat takes as `application/vnd.kubernetes.protobuf`, by `apiVersion/kind`: what kubectl's
 * typed clients send (`kubectl create deployment|job|cronjob|service|configmap|secret|namespace|serviceaccount|
 * role|clusterrole|rolebinding|clusterrolebinding|token`, `kubectl auth can-i|whoami`, `kubectl certificate
 * approve`, `kubectl drain`'s Eviction, a scale subresource's Scale) and the workloads client-go's clientsets
 * write. Another kind is answered 415 (send JSON).
 */
const TOP_LEVEL: Readonly<Record<string, DescMessage>> = {
  "v1/Pod": PodSchema,
  "v1/Service": ServiceSchema,
  "v1/ConfigMap": ConfigMapSchema,
  "v1/Secret": SecretSchema,
  "v1/Namespace": NamespaceSchema,
  "v1/ServiceAccount": ServiceAccountSchema,
  "apps/v1/Deployment": DeploymentSchema,
  "apps/v1/ReplicaSet": ReplicaSetSchema,
  "apps/v1/StatefulSet": StatefulSetSchema,
  "apps/v1/DaemonSet": DaemonSetSchema,
  "batch/v1/Job": JobSchema,
  "batch/v1/CronJob": CronJobSchema,
  "autoscaling/v1/Scale": ScaleSchema,
  "policy/v1/Eviction": EvictionSchema,
  "rbac.authorization.k8s.io/v1/Role": RoleSchema,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRoleSchema,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBindingSchema,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBindingSchema,
  "authorization.k8s.io/v1/SubjectAccessReview": SubjectAccessReviewSchema,
  "authorization.k8s.io/v1/LocalSubjectAccessReview": LocalSubjectAccessReviewSchema,
  "authorization.k8s.io/v1/SelfSubjectAccessReview": SelfSubjectAccessReviewSchema,
  "authorization.k8s.io/v1/SelfSubjectRulesReview": SelfSubjectRulesReviewSchema,
  "authentication.k8s.io/v1/SelfSubjectReview": SelfSubjectReviewSchema,
  "authentication.k8s.io/v1/TokenRequest": TokenRequestSchema,
  "authentication.k8s.io/v1/TokenReview": TokenReviewSchema,
  "certificates.k8s.io/v1/CertificateSigningRequest": CertificateSigningRequestSchema,
};

/**
 * Options messages client-go encodes in whichever group version its client has (`apps/v1` DeleteOptions
 * from the apps clientset, `v1` from the core one), as every group registers them. They carry no metadata.
 */
const OPTIONS: Readonly<Record<string, DescMessage>> = {
  DeleteOptions: DeleteOptionsSchema,
};

/** The message of a kind sent as protobuf, and whether it is an options kind (no metadata); undefined if not taken. */
export function protobufKind(apiVersion: string, kind: string): { desc: DescMessage; options: boolean } | undefined {
  const options = Object.hasOwn(OPTIONS, kind) ? OPTIONS[kind] : undefined;
  if (options) return { desc: options, options: true };
  const key = `${apiVersion}/${kind}`;
  return Object.hasOwn(TOP_LEVEL, key) ? { desc: TOP_LEVEL[key]!, options: false } : undefined;
}
