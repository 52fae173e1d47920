import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "./testing.js";

// What the API accepts, as upstream's decoding into Go types and its validation: integer formats, quantities
// (and their canonical form), finalizer names.
const PODS = "/api/v1/namespaces/default/pods";
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const PVCS = "/api/v1/namespaces/default/persistentvolumeclaims";
type Json = Record<string, unknown>;

const pod = (name: string, container: Json = {}, spec: Json = {}, meta: Json = {}) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, ...meta }, spec: { containers: [{ name: "c", image: "nginx", ...container }], ...spec },
});
const deployment = (name: string, spec: Json) => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } }, ...spec },
});
const claim = (name: string, storage: unknown) => ({
  apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
});
const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

describe("API decoding by OpenAPI format", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  const refused: Array<{ name: string; path: string; body: Json; code: number; message: string; field?: string }> = [
    { name: "int32 replicas of 2^31", path: DEPLOYS, body: deployment("d1", { replicas: 2147483648 }), code: 400,
      message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32' },
    { name: "int32 replicas below -2^31", path: DEPLOYS, body: deployment("d2", { replicas: -2147483649 }), code: 400, message: "cannot unmarshal number -2147483649 into Go struct field DeploymentSpec.spec.replicas of type int32" },
    { name: "int32 minReadySeconds with a fraction", path: DEPLOYS, body: deployment("d3", { minReadySeconds: 1.5 }), code: 400, message: "cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.minReadySeconds of type int32" },
    { name: "int32 containerPort of 2^31", path: PODS, body: pod("p1", { ports: [{ containerPort: 2147483648 }] }), code: 400,
      message: "cannot unmarshal number 2147483648 into Go struct field ContainerPort.spec.containers[0].ports[0].containerPort of type int32" },
    { name: "int64 terminationGracePeriodSeconds beyond int64", path: PODS, body: pod("p2", {}, { terminationGracePeriodSeconds: 1e19 }), code: 400,
      message: "into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64" },
    { name: 'quantity "abc"', path: PODS, body: pod("p3", { resources: { requests: { cpu: "abc" } } }), code: 400, message: `Pod in version "v1" cannot be handled as a Pod: ${QUANTITY_MESSAGE}` },
    { name: 'quantity "1.5.5"', path: PODS, body: pod("p4", { resources: { limits: { memory: "1.5.5" } } }), code: 400, message: QUANTITY_MESSAGE },
    { name: 'quantity "0x10"', path: PODS, body: pod("p5", { resources: { requests: { memory: "0x10" } } }), code: 400, message: QUANTITY_MESSAGE },
    { name: 'quantity ""', path: PVCS, body: claim("c1", ""), code: 400, message: QUANTITY_MESSAGE },
    { name: "quantity of the wrong JSON type", path: PVCS, body: claim("c2", true), code: 400, message: "cannot unmarshal bool into Go struct field" },
    { name: 'negative request "-1"', path: PODS, body: pod("p6", { resources: { requests: { cpu: "-1" } } }), code: 422,
      message: 'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0', field: "spec.containers[0].resources.requests[cpu]" },
    { name: "a request above its limit", path: PODS, body: pod("p7", { resources: { requests: { cpu: "2" }, limits: { cpu: "1000m" } } }), code: 422,
      message: 'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1', field: "spec.containers[0].resources.requests[cpu]" },
    { name: "a negative emptyDir sizeLimit", path: PODS, body: pod("p10", {}, { volumes: [{ name: "v", emptyDir: { sizeLimit: "-1Gi" } }] }), code: 422,
      message: "spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity", field: "spec.volumes[0].emptyDir.sizeLimit" },
    { name: "a claim of zero storage", path: PVCS, body: claim("c3", "0"), code: 422, message: "must be greater than zero", field: "spec.resources.requests[storage]" },
    { name: "a finalizer that is no qualified name", path: PODS, body: pod("p8", {}, {}, { finalizers: ["bad name!"] }), code: 422,
      message: 'metadata.finalizers: Invalid value: "bad name!": name part must consist of alphanumeric characters', field: "metadata.finalizers" },
    { name: "a finalizer neither standard nor prefixed", path: PODS, body: pod("p9", {}, {}, { finalizers: ["hold"] }), code: 422,
      message: 'metadata.finalizers: Invalid value: "hold": name is neither a standard finalizer name nor is it fully qualified', field: "metadata.finalizers" },
    { name: "a namespace with a bad finalizer", path: "/api/v1/namespaces", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "nsf", finalizers: ["example.com/"] } }, code: 422,
      message: "metadata.finalizers", field: "metadata.finalizers" },
  ];
  for (const c of refused) {
    test(`StructuralDecoder and validation refuse ${c.name} with ${c.code}, writing nothing`, async () => {
      const r = await t.call("POST", c.path, c.body);
      assert.equal(r.status, c.code, JSON.stringify(r.body));
      assert.ok(String(r.body.message).includes(c.message), String(r.body.message));
      if (c.field) assert.ok((r.body.details as { causes: Array<{ field: string }> }).causes.some((x) => x.field === c.field), JSON.stringify(r.body.details));
      const name = (c.body.metadata as { name: string }).name;
      assert.equal((await t.call("GET", `${c.path}/${name}`)).status, 404, "nothing written");
    });
  }

  test("validateFinalizerName refuses a bad name in a namespace's spec.finalizers (namespaces/finalize)", async () => {
    const ns = await t.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "nsspec" } });
    const r = await t.call("PUT", "/api/v1/namespaces/nsspec/finalize", { ...ns.body, spec: { finalizers: ["kubernetes", "no good"] } });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(String(r.body.message), /spec.finalizers: Invalid value: "no good"/);
  });

  test("StructuralDecoder accepts the extremes of each format", async () => {
    assert.equal((await t.call("POST", DEPLOYS, deployment("max", { replicas: 2147483647, minReadySeconds: 0 }))).status, 201);
    const r = await t.call("POST", PODS, pod("int64", {}, { terminationGracePeriodSeconds: 2147483648, activeDeadlineSeconds: 9007199254740991 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((r.body.spec as Json).terminationGracePeriodSeconds, 2147483648);
    const fin = await t.call("POST", PODS, pod("fin", {}, {}, { finalizers: ["example.com/hold", "foregroundDeletion"] }));
    assert.equal(fin.status, 201, JSON.stringify(fin.body));
  });

  test("StructuralDecoder writes quantities back in canonical form", async () => {
    const resources = { requests: { cpu: "1000m", memory: "1024Mi", "ephemeral-storage": "1e3" }, limits: { cpu: "1.5", memory: "1.5Gi", "ephemeral-storage": 2000 } };
    const r = await t.call("POST", PODS, pod("canon", { resources }, { volumes: [{ name: "v", emptyDir: { sizeLimit: "2048Mi" } }] }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const spec = r.body.spec as { containers: Array<{ resources: Json }>; volumes: Array<{ emptyDir: Json }> };
    assert.deepEqual(spec.containers[0]!.resources, { requests: { cpu: "1", memory: "1Gi", "ephemeral-storage": "1e3" }, limits: { cpu: "1500m", memory: "1536Mi", "ephemeral-storage": "2k" } });
    assert.equal(spec.volumes[0]!.emptyDir.sizeLimit, "2Gi");
    const stored = (await t.call("GET", `${PODS}/canon`)).body.spec as typeof spec;
    assert.equal(stored.containers[0]!.resources.requests && (stored.containers[0]!.resources.requests as Json).cpu, "1");
    const pvc = await t.call("POST", PVCS, claim("canon", "0.5"));
    assert.equal(((pvc.body.spec as { resources: { requests: Json } }).resources.requests).storage, "500m");
  });
});
