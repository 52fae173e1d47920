import { test } from "node:test";
import assert from "node:assert/strict";
import { changedFields, decodeFieldsV1, encodeFieldsV1, renderPath, toFieldSet, toFieldsV1 } from "./field-set.js";
import { builtinTypes } from "./testing.js";

const POD = builtinTypes().of("io.k8s.api.core.v1.Pod");
const pod = {
  metadata: { labels: { app: "web" }, finalizers: ["a/b"] },
  spec: {
    containers: [{ name: "app", image: "nginx", ports: [{ containerPort: 80 }], resources: {} }],
    nodeSelector: { disk: "ssd" },
    tolerations: [{ key: "k", operator: "Exists" }],
  },
};

test("toFieldSet owns leaves, list-map elements by key (defaulted keys filled in), set values, atomic values whole", () => {
  assert.deepEqual([...toFieldSet(pod, POD)].map(renderPath).sort(), [
    '.metadata.finalizers[="a/b"]',
    ".metadata.labels.app",
    '.spec.containers[name="app"]',
    '.spec.containers[name="app"].image',
    '.spec.containers[name="app"].name',
    '.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"]',
    '.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].containerPort',
    '.spec.containers[name="app"].resources',
    ".spec.nodeSelector",
    ".spec.tolerations",
  ]);
});

test("toFieldsV1 is toFieldSet encoded, and decodeFieldsV1 reads it back", () => {
  const encoded = encodeFieldsV1(toFieldSet(pod, POD));
  assert.deepEqual(toFieldsV1(pod, POD), encoded);
  assert.equal(JSON.stringify(toFieldsV1(pod, POD)), JSON.stringify(encoded), "same key order");
  assert.deepEqual(decodeFieldsV1(encoded), toFieldSet(pod, POD));
  const containers = (encoded["f:spec"] as Record<string, Record<string, Record<string, unknown>>>)["f:containers"]!;
  assert.deepEqual(Object.keys(containers['k:{"name":"app"}']!), [".", "f:image", "f:name", "f:ports", "f:resources"]);
});

test("changedFields: only what differs, an atomic value as one field; removed fields apart", () => {
  const next = structuredClone(pod);
  next.spec.containers[0]!.image = "nginx:2";
  next.spec.tolerations[0]!.key = "j";
  delete (next.metadata as { labels?: unknown }).labels;
  const removed = new Set<string>();
  const changed = changedFields(pod, next, POD, "", new Set(), removed);
  assert.deepEqual([...changed].map(renderPath).sort(), ['.spec.containers[name="app"].image', ".spec.tolerations"]);
  assert.deepEqual([...removed].map(renderPath), [".metadata.labels"]);
});

test("decodeFieldsV1 refuses what is not a field set", () => {
  assert.throws(() => decodeFieldsV1({ "x:y": {} }), /unexpected path element/);
  assert.throws(() => decodeFieldsV1([]), /must be an object/);
});
