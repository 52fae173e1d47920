import { test } from "node:test";
import assert from "node:assert/strict";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { decodeKubernetesProtobuf } from "./decode.js";

// Bytes written field by field, as client-go's generated marshallers write them (not by our encoder), so
// these tests check our field numbers against the wire and not against themselves.
const LEN = WireType.LengthDelimited;
const VARINT = WireType.Varint;
const w = () => new BinaryWriter();

/** A k8s protobuf envelope; gogo writes runtime.Unknown's contentEncoding (3) and contentType (4) even when empty. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const typeMeta = w().tag(1, LEN).string(apiVersion).tag(2, LEN).string(kind).finish();
  const unknown = w().tag(1, LEN).bytes(typeMeta).tag(2, LEN).bytes(raw).tag(3, LEN).string("").tag(4, LEN).string("").finish();
  return new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

const status = (code: number) => (e: { code?: number }) => e.code === code;

function configMap(): Uint8Array {
  const entry = w().tag(1, LEN).string("a").tag(2, LEN).string("b").finish();
  const meta = w().tag(1, LEN).string("cm").tag(3, LEN).string("").finish();
  return w().tag(1, LEN).bytes(meta).tag(2, LEN).bytes(entry).finish();
}

test("decodeKubernetesProtobuf reads a ConfigMap and drops Go zero values", () => {
  const obj = decodeKubernetesProtobuf(envelope("v1", "ConfigMap", configMap()));
  assert.deepEqual(obj, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } });
});

test("decodeKubernetesProtobuf refuses kinds it has no message for with a 415", () => {
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "Node", new Uint8Array())), status(415));
  assert.throws(() => decodeKubernetesProtobuf(envelope("apps/v1", "ConfigMap", configMap())), status(415));
});

test("decodeKubernetesProtobuf refuses unknown field numbers instead of dropping them", () => {
  const raw = w().tag(99, VARINT).uint32(1).finish();
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "ConfigMap", raw)), status(415));
  // Nested: ObjectMeta has no field 15 (upstream's 15 and 16 are gone).
  const meta = w().tag(1, LEN).string("cm").tag(15, LEN).string("x").finish();
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "ConfigMap", w().tag(1, LEN).bytes(meta).finish())), status(415));
});

test("decodeKubernetesProtobuf refuses a known field number in another wire type instead of misreading it", () => {
  // Deployment.spec.replicas (1) is a varint; written as a string it is a body for another table.
  const spec = w().tag(1, LEN).string("3").finish();
  assert.throws(() => decodeKubernetesProtobuf(envelope("apps/v1", "Deployment", w().tag(2, LEN).bytes(spec).finish())), status(400));
  // ConfigMap.data (2) is a map; as a varint it is not.
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "ConfigMap", w().tag(2, VARINT).uint32(7).finish())), status(400));
});

test("decodeKubernetesProtobuf answers 400 for truncated bodies", () => {
  const raw = configMap();
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "ConfigMap", raw.subarray(0, raw.length - 2))), status(400));
  assert.throws(() => decodeKubernetesProtobuf(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f])), status(400));
});

test("decodeKubernetesProtobuf rejects a body without the envelope", () => {
  assert.throws(() => decodeKubernetesProtobuf(new Uint8Array([1, 2, 3, 4, 5])), status(415));
});

test("decodeKubernetesProtobuf reads DeleteOptions in whichever group version the client encodes them", () => {
  const preconditions = w().tag(1, LEN).string("uid-1").tag(2, LEN).string("7").finish();
  const raw = w().tag(1, VARINT).int64(0).tag(2, LEN).bytes(preconditions).tag(3, VARINT).bool(false)
    .tag(4, LEN).string("Foreground").tag(5, LEN).string("All").finish();
  for (const apiVersion of ["v1", "apps/v1", "meta.k8s.io/v1"]) {
    assert.deepEqual(decodeKubernetesProtobuf(envelope(apiVersion, "DeleteOptions", raw)), {
      apiVersion, kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid: "uid-1", resourceVersion: "7" }, orphanDependents: false, propagationPolicy: "Foreground", dryRun: ["All"],
    });
  }
});

test("decodeKubernetesProtobuf reads a policy/v1 Eviction with its DeleteOptions", () => {
  const meta = w().tag(1, LEN).string("web").finish();
  const options = w().tag(1, VARINT).int64(30).finish();
  const raw = w().tag(1, LEN).bytes(meta).tag(2, LEN).bytes(options).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("policy/v1", "Eviction", raw)), {
    apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web" }, deleteOptions: { gracePeriodSeconds: 30 },
  });
});

test("decodeKubernetesProtobuf reads a ClusterRoleBinding's roleRef and subjects (kubectl create clusterrolebinding)", () => {
  const meta = w().tag(1, LEN).string("crb").finish();
  const subject = w().tag(1, LEN).string("User").tag(2, LEN).string("rbac.authorization.k8s.io").tag(3, LEN).string("alice").finish();
  const roleRef = w().tag(1, LEN).string("rbac.authorization.k8s.io").tag(2, LEN).string("ClusterRole").tag(3, LEN).string("view").finish();
  const raw = w().tag(1, LEN).bytes(meta).tag(2, LEN).bytes(subject).tag(3, LEN).bytes(roleRef).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", raw)), {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "crb" },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
  });
});

test("decodeKubernetesProtobuf reads a SelfSubjectAccessReview (kubectl auth can-i)", () => {
  const attrs = w().tag(1, LEN).string("default").tag(2, LEN).string("create").tag(5, LEN).string("pods").finish();
  const spec = w().tag(1, LEN).bytes(attrs).finish();
  const raw = w().tag(1, LEN).bytes(w().finish()).tag(2, LEN).bytes(spec).tag(3, LEN).bytes(w().finish()).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)), {
    apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {}, spec: { resourceAttributes: { namespace: "default", verb: "create", resource: "pods" } }, status: {},
  });
});

test("decodeKubernetesProtobuf reads an authentication.k8s.io/v1 TokenRequest as kubectl create token sends it", () => {
  const meta = w().tag(1, LEN).string("default").finish();
  const ref = w().tag(1, LEN).string("Pod").tag(2, LEN).string("v1").tag(3, LEN).string("web").finish();
  const spec = w().tag(1, LEN).string("vault").tag(3, LEN).bytes(ref).tag(4, VARINT).int64(1200).finish();
  const raw = w().tag(1, LEN).bytes(meta).tag(2, LEN).bytes(spec).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("authentication.k8s.io/v1", "TokenRequest", raw)), {
    apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: { name: "default" },
    spec: { audiences: ["vault"], boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web" }, expirationSeconds: 1200 },
  });
});

test("decodeKubernetesProtobuf reads a pod volume as Go writes it, its inline volumeSource always present", () => {
  // Volume{Name, VolumeSource (inline, field 2)}: gogo writes the embedded struct even when every source is nil.
  const emptyDir = w().tag(1, LEN).string("Memory").finish();
  const volume = w().tag(1, LEN).string("scratch").tag(2, LEN).bytes(w().tag(2, LEN).bytes(emptyDir).finish()).finish();
  const bare = w().tag(1, LEN).string("nothing").tag(2, LEN).bytes(new Uint8Array()).finish();
  const podSpec = w().tag(1, LEN).bytes(volume).tag(1, LEN).bytes(bare).finish();
  const raw = w().tag(1, LEN).bytes(w().tag(1, LEN).string("p").finish()).tag(2, LEN).bytes(podSpec).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("v1", "Pod", raw)), {
    apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { volumes: [{ name: "scratch", emptyDir: { medium: "Memory" } }, { name: "nothing" }] },
  });
});

test("decodeKubernetesProtobuf reads metav1.Time: the empty message Go writes for the zero time is absent, seconds 0 is the epoch", () => {
  const time = (seconds?: number) => (seconds === undefined ? new Uint8Array() : w().tag(1, VARINT).int64(seconds).finish());
  const meta = w().tag(1, LEN).string("cm").tag(8, LEN).bytes(time()).tag(9, LEN).bytes(time(0)).finish();
  const obj = decodeKubernetesProtobuf(envelope("v1", "ConfigMap", w().tag(1, LEN).bytes(meta).finish()));
  assert.deepEqual(obj.metadata, { name: "cm", deletionTimestamp: "1970-01-01T00:00:00Z" });
});
