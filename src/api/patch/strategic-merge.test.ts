import { test } from "node:test";
import assert from "node:assert/strict";
import { applyStrategicMergePatch } from "./strategic-merge.js";

const pod = {
  metadata: { name: "p", labels: { app: "a", tier: "web" }, finalizers: ["x"] },
  spec: {
    containers: [
      { name: "app", image: "v1", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] },
      { name: "side", image: "s1" },
    ],
    tolerations: [{ key: "k" }],
  },
};

const cases: Array<{ name: string; patch: unknown; check: (r: typeof pod) => void }> = [
  {
    name: "containers merge by name and keep the others",
    patch: { spec: { containers: [{ name: "app", image: "v2" }] } },
    check: (r) => {
      assert.equal(r.spec.containers.length, 2);
      assert.equal(r.spec.containers[0]!.image, "v2");
      assert.deepEqual(r.spec.containers[0]!.ports, [{ containerPort: 80 }]);
    },
  },
  {
    name: "env merges by name",
    patch: { spec: { containers: [{ name: "app", env: [{ name: "B", value: "2" }] }] } },
    check: (r) => assert.deepEqual(r.spec.containers[0]!.env, [{ name: "A", value: "1" }, { name: "B", value: "2" }]),
  },
  {
    name: "$patch delete removes a list element",
    patch: { spec: { containers: [{ name: "side", $patch: "delete" }] } },
    check: (r) => assert.deepEqual(r.spec.containers.map((c) => c.name), ["app"]),
  },
  {
    name: "$patch replace on a map replaces it",
    patch: { metadata: { labels: { $patch: "replace", only: "me" } } },
    check: (r) => assert.deepEqual(r.metadata.labels, { only: "me" }),
  },
  {
    name: "null deletes a key",
    patch: { metadata: { labels: { tier: null } } },
    check: (r) => assert.deepEqual(r.metadata.labels, { app: "a" }),
  },
  {
    name: "lists without merge key are replaced",
    patch: { spec: { tolerations: [{ key: "j" }] } },
    check: (r) => assert.deepEqual(r.spec.tolerations, [{ key: "j" }]),
  },
  {
    name: "finalizers union and $deleteFromPrimitiveList removes",
    patch: { metadata: { finalizers: ["y"], "$deleteFromPrimitiveList/finalizers": ["x"] } },
    check: (r) => assert.deepEqual(r.metadata.finalizers, ["y"]),
  },
  {
    name: "$setElementOrder reorders merged elements",
    patch: { spec: { "$setElementOrder/containers": [{ name: "side" }, { name: "app" }], containers: [{ name: "app", image: "v3" }] } },
    check: (r) => assert.deepEqual(r.spec.containers.map((c) => c.name), ["side", "app"]),
  },
  {
    name: "$retainKeys drops keys not listed",
    patch: { spec: { $retainKeys: ["containers"], containers: [{ name: "app", image: "v9" }] } },
    check: (r) => assert.equal((r.spec as { tolerations?: unknown }).tolerations, undefined),
  },
];

for (const c of cases) {
  test(`applyStrategicMergePatch ${c.name}`, () => {
    c.check(applyStrategicMergePatch(pod, c.patch) as typeof pod);
  });
}

test("applyStrategicMergePatch never mutates its input", () => {
  const before = JSON.stringify(pod);
  applyStrategicMergePatch(pod, { spec: { containers: [{ name: "app", image: "zz" }] } });
  assert.equal(JSON.stringify(pod), before);
});
