import type { ConformanceCase } from "../case.js";

/**
 * The [sig-api-machinery] entries whose API group Tugboat does not serve: admission webhooks, CRDs and
 * their OpenAPI, the aggregator, API priority and fairness, ValidatingAdmissionPolicy, ResourceQuota.
 * Listed so the report shows them as not served rather than leaving them out.
 */

const notRun = async (): Promise<void> => {
  throw new Error("not served: this case is listed, not run");
};

function group(notServed: string, codenames: string[]): ConformanceCase[] {
  return codenames.map((codename) => ({ codename, notServed, run: notRun }));
}

const WEBHOOKS = "admissionregistration.k8s.io/v1 (MutatingWebhookConfiguration, ValidatingWebhookConfiguration)";
const CRDS = "apiextensions.k8s.io/v1 (CustomResourceDefinition)";
const W = "[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin]";
const CRD = "[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin]";
const OPENAPI = "[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin]";
const RQ = "[sig-api-machinery] ResourceQuota";
const VAP = "[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin]";

export const cases: ConformanceCase[] = [
  ...group("flowcontrol.apiserver.k8s.io/v1 (FlowSchema, PriorityLevelConfiguration)", [
    "[sig-api-machinery] API priority and fairness should support FlowSchema API operations [Conformance]",
    "[sig-api-machinery] API priority and fairness should support PriorityLevelConfiguration API operations [Conformance]",
  ]),
  ...group(WEBHOOKS, [
    `${W} listing mutating webhooks should work [Conformance]`,
    `${W} listing validating webhooks should work [Conformance]`,
    `${W} patching/updating a mutating webhook should work [Conformance]`,
    `${W} patching/updating a validating webhook should work [Conformance]`,
    `${W} should be able to create and update mutating webhook configurations with match conditions [Conformance]`,
    `${W} should be able to create and update validating webhook configurations with match conditions [Conformance]`,
    `${W} should be able to deny attaching pod [Conformance]`,
    `${W} should be able to deny custom resource creation, update and deletion [Conformance]`,
    `${W} should be able to deny pod and configmap creation [Conformance]`,
    `${W} should deny crd creation [Conformance]`,
    `${W} should honor timeout [Conformance]`,
    `${W} should include webhook resources in discovery documents [Conformance]`,
    `${W} should mutate configmap [Conformance]`,
    `${W} should mutate custom resource [Conformance]`,
    `${W} should mutate custom resource with different stored version [Conformance]`,
    `${W} should mutate custom resource with pruning [Conformance]`,
    `${W} should mutate everything except 'skip-me' configmaps [Conformance]`,
    `${W} should mutate pod and apply defaults after mutation [Conformance]`,
    `${W} should not be able to mutate or prevent deletion of webhook configuration objects [Conformance]`,
    `${W} should reject mutating webhook configurations with invalid match conditions [Conformance]`,
    `${W} should reject validating webhook configurations with invalid match conditions [Conformance]`,
    `${W} should unconditionally reject operations on fail closed webhook [Conformance]`,
  ]),
  ...group(CRDS, [
    "[sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface for CRDs [Conformance]",
    "[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery request for CRDs [Conformance]",
    "[sig-api-machinery] CustomResourceConversionWebhook [Privileged:ClusterAdmin] should be able to convert a non homogeneous list of CRs [Conformance]",
    "[sig-api-machinery] CustomResourceConversionWebhook [Privileged:ClusterAdmin] should be able to convert from CR v1 to CR v2 [Conformance]",
    "[sig-api-machinery] CustomResourceDefinition Watch [Privileged:ClusterAdmin] CustomResourceDefinition Watch watch on custom resource definition objects [Conformance]",
    `${CRD} Simple CustomResourceDefinition creating/deleting custom resource definition objects works [Conformance]`,
    `${CRD} Simple CustomResourceDefinition getting/updating/patching custom resource definition status sub-resource works [Conformance]`,
    `${CRD} Simple CustomResourceDefinition listing custom resource definition objects works [Conformance]`,
    `${CRD} custom resource defaulting for requests and from storage works [Conformance]`,
    `${CRD} should include custom resource definition resources in discovery documents [Conformance]`,
    `${OPENAPI} removes definition from spec when one version gets changed to not be served [Conformance]`,
    `${OPENAPI} updates the published spec when one version gets renamed [Conformance]`,
    `${OPENAPI} works for CRD preserving unknown fields at the schema root [Conformance]`,
    `${OPENAPI} works for CRD preserving unknown fields in an embedded object [Conformance]`,
    `${OPENAPI} works for CRD with validation schema [Conformance]`,
    `${OPENAPI} works for CRD without validation schema [Conformance]`,
    `${OPENAPI} works for multiple CRDs of different groups [Conformance]`,
    `${OPENAPI} works for multiple CRDs of same group and version but different kinds [Conformance]`,
    `${OPENAPI} works for multiple CRDs of same group but different versions [Conformance]`,
    "[sig-api-machinery] FieldValidation should create/apply a CR with unknown fields for CRD with no validation schema [Conformance]",
    "[sig-api-machinery] FieldValidation should create/apply a valid CR for CRD with validation schema [Conformance]",
    "[sig-api-machinery] FieldValidation should create/apply an invalid CR with extra properties for CRD with validation schema [Conformance]",
    "[sig-api-machinery] FieldValidation should detect duplicates in a CR when preserving unknown fields [Conformance]",
    "[sig-api-machinery] FieldValidation should detect unknown metadata fields in both the root and embedded object of a CR [Conformance]",
  ]),
  ...group("apiregistration.k8s.io/v1 (APIService) and the aggregator", [
    "[sig-api-machinery] Aggregator Should be able to support the 1.17 Sample API Server using the current Aggregator [Conformance]",
  ]),
  ...group("ResourceQuota (v1)", [
    `${RQ} should apply changes to a resourcequota status [Conformance]`,
    `${RQ} should be able to update and delete ResourceQuota. [Conformance]`,
    `${RQ} should create a ResourceQuota and capture the life of a configMap. [Conformance]`,
    `${RQ} should create a ResourceQuota and capture the life of a pod. [Conformance]`,
    `${RQ} should create a ResourceQuota and capture the life of a replica set. [Conformance]`,
    `${RQ} should create a ResourceQuota and capture the life of a replication controller. [Conformance]`,
    `${RQ} should create a ResourceQuota and capture the life of a secret. [Conformance]`,
    `${RQ} should create a ResourceQuota and capture the life of a service. [Conformance]`,
    `${RQ} should create a ResourceQuota and ensure its status is promptly calculated. [Conformance]`,
    `${RQ} should manage the lifecycle of a ResourceQuota [Conformance]`,
    `${RQ} should verify ResourceQuota with best effort scope. [Conformance]`,
    `${RQ} should verify ResourceQuota with terminating scopes. [Conformance]`,
  ]),
  ...group("admissionregistration.k8s.io/v1 (ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding)", [
    `${VAP} should allow expressions to refer variables. [Conformance]`,
    `${VAP} should support ValidatingAdmissionPolicy API operations [Conformance]`,
    `${VAP} should support ValidatingAdmissionPolicyBinding API operations [Conformance]`,
    `${VAP} should validate against a Deployment [Conformance]`,
  ]),
];
