import { test } from "node:test";
import assert from "node:assert/strict";
import protobuf from "protobufjs/minimal.js";
import { decodeKubernetesProtobuf } from "./decode.js";

/** Builds a k8s protobuf envelope around a ConfigMap the way client-go's typed clients encode it. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const typeMeta = protobuf.Writer.create().uint32((1 << 3) | 2).string(apiVersion).uint32((2 << 3) | 2).string(kind).finish();
  const unknown = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(typeMeta).uint32((2 << 3) | 2).bytes(raw).finish();
  return new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

function configMap(): Uint8Array {
  const entry = protobuf.Writer.create().uint32((1 << 3) | 2).string("a").uint32((2 << 3) | 2).string("b").finish();
  const meta = protobuf.Writer.create().uint32((1 << 3) | 2).string("cm").uint32((3 << 3) | 2).string("").finish();
  return protobuf.Writer.create().uint32((1 << 3) | 2).bytes(meta).uint32((2 << 3) | 2).bytes(entry).finish();
}

test("decodeKubernetesProtobuf reads a ConfigMap and drops Go zero values", () => {
  const obj = decodeKubernetesProtobuf(envelope("v1", "ConfigMap", configMap()));
  assert.deepEqual(obj, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } });
});

test("decodeKubernetesProtobuf refuses kinds it has no schema for with a 415", () => {
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "Pod", new Uint8Array())), (e: { code?: number }) => e.code === 415);
});

test("decodeKubernetesProtobuf refuses unknown field numbers instead of dropping them", () => {
  const raw = protobuf.Writer.create().uint32((99 << 3) | 0).uint32(1).finish();
  assert.throws(() => decodeKubernetesProtobuf(envelope("v1", "ConfigMap", raw)), (e: { code?: number }) => e.code === 415);
});

test("decodeKubernetesProtobuf rejects a body without the envelope", () => {
  assert.throws(() => decodeKubernetesProtobuf(new Uint8Array([1, 2, 3, 4, 5])), (e: { code?: number }) => e.code === 415);
});

test("decodeKubernetesProtobuf reads DeleteOptions in whichever group version the client encodes them", () => {
  const preconditions = protobuf.Writer.create().uint32((1 << 3) | 2).string("uid-1").uint32((2 << 3) | 2).string("7").finish();
  const raw = protobuf.Writer.create().uint32((1 << 3) | 0).int64(0).uint32((2 << 3) | 2).bytes(preconditions).uint32((3 << 3) | 0).bool(false)
    .uint32((4 << 3) | 2).string("Foreground").uint32((5 << 3) | 2).string("All").finish();
  for (const apiVersion of ["v1", "apps/v1", "meta.k8s.io/v1"]) {
    assert.deepEqual(decodeKubernetesProtobuf(envelope(apiVersion, "DeleteOptions", raw)), {
      apiVersion, kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid: "uid-1", resourceVersion: "7" }, orphanDependents: false, propagationPolicy: "Foreground", dryRun: ["All"],
    });
  }
});

test("decodeKubernetesProtobuf reads a policy/v1 Eviction with its DeleteOptions", () => {
  const meta = protobuf.Writer.create().uint32((1 << 3) | 2).string("web").finish();
  const options = protobuf.Writer.create().uint32((1 << 3) | 0).int64(30).finish();
  const raw = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(meta).uint32((2 << 3) | 2).bytes(options).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("policy/v1", "Eviction", raw)), {
    apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web" }, deleteOptions: { gracePeriodSeconds: 30 },
  });
});

test("decodeKubernetesProtobuf reads a ClusterRoleBinding's roleRef and subjects (kubectl create clusterrolebinding)", () => {
  const w = () => protobuf.Writer.create();
  const meta = w().uint32((1 << 3) | 2).string("crb").finish();
  const subject = w().uint32((1 << 3) | 2).string("User").uint32((2 << 3) | 2).string("rbac.authorization.k8s.io").uint32((3 << 3) | 2).string("alice").finish();
  const roleRef = w().uint32((1 << 3) | 2).string("rbac.authorization.k8s.io").uint32((2 << 3) | 2).string("ClusterRole").uint32((3 << 3) | 2).string("view").finish();
  const raw = w().uint32((1 << 3) | 2).bytes(meta).uint32((2 << 3) | 2).bytes(subject).uint32((3 << 3) | 2).bytes(roleRef).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", raw)), {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "crb" },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
  });
});

test("decodeKubernetesProtobuf reads a SelfSubjectAccessReview (kubectl auth can-i)", () => {
  const w = () => protobuf.Writer.create();
  const attrs = w().uint32((1 << 3) | 2).string("default").uint32((2 << 3) | 2).string("create").uint32((5 << 3) | 2).string("pods").finish();
  const spec = w().uint32((1 << 3) | 2).bytes(attrs).finish();
  const raw = w().uint32((1 << 3) | 2).bytes(w().finish()).uint32((2 << 3) | 2).bytes(spec).uint32((3 << 3) | 2).bytes(w().finish()).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)), {
    apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {}, spec: { resourceAttributes: { namespace: "default", verb: "create", resource: "pods" } },
  });
});

test("decodeKubernetesProtobuf reads an authentication.k8s.io/v1 TokenRequest as kubectl create token sends it", () => {
  const meta = protobuf.Writer.create().uint32((1 << 3) | 2).string("default").finish();
  const ref = protobuf.Writer.create().uint32((1 << 3) | 2).string("Pod").uint32((2 << 3) | 2).string("v1").uint32((3 << 3) | 2).string("web").finish();
  const spec = protobuf.Writer.create().uint32((1 << 3) | 2).string("vault").uint32((3 << 3) | 2).bytes(ref).uint32((4 << 3) | 0).int64(1200).finish();
  const raw = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(meta).uint32((2 << 3) | 2).bytes(spec).finish();
  assert.deepEqual(decodeKubernetesProtobuf(envelope("authentication.k8s.io/v1", "TokenRequest", raw)), {
    apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: { name: "default" },
    spec: { audiences: ["vault"], boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web" }, expirationSeconds: 1200 },
  });
});
