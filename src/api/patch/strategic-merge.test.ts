import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinTypes } from "../managed/testing.js";
import { applyStrategicMergePatch as applyUntyped } from "./strategic-merge.js";

const POD = builtinTypes().of("io.k8s.api.core.v1.Pod");
const applyStrategicMergePatch = (target: unknown, patch: unknown) => applyUntyped(target, patch, POD);

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
    name: "env merges by name, the patch's new variable first",
    patch: { spec: { containers: [{ name: "app", env: [{ name: "B", value: "2" }] }] } },
    check: (r) => assert.deepEqual(r.spec.containers[0]!.env, [{ name: "B", value: "2" }, { name: "A", value: "1" }]),
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

// Upstream's list order and directives (k8s.io/apimachinery strategicpatch's cases, restated on real fields:
// containers merge by name, finalizers are a set of scalars).
type Json = Record<string, unknown>;
const names = (o: unknown) => ((o as { spec: { containers: Json[] } }).spec.containers).map((c) => c.name);
const withContainers = (...list: Json[]) => ({ spec: { containers: list } });
const finalizers = (...list: string[]) => ({ metadata: { finalizers: list } });
const order: Array<{ name: string; original: Json; patch: Json; expected?: Json; error?: RegExp }> = [
  { name: "a new element goes before the existing ones (kubectl patch adding a container)",
    original: withContainers({ name: "webserver", image: "httpd" }), patch: withContainers({ name: "ss2", image: "pause" }),
    expected: withContainers({ name: "ss2", image: "pause" }, { name: "webserver", image: "httpd" }) },
  { name: "new elements keep the patch's order, ahead of the server's",
    original: withContainers({ name: "a" }, { name: "b" }), patch: withContainers({ name: "d" }, { name: "c" }),
    expected: withContainers({ name: "d" }, { name: "c" }, { name: "a" }, { name: "b" }) },
  { name: "a changed element keeps its place",
    original: withContainers({ name: "a" }, { name: "b" }, { name: "c" }), patch: withContainers({ name: "b", image: "x" }),
    expected: withContainers({ name: "a" }, { name: "b", image: "x" }, { name: "c" }) },
  { name: "patch order wins over server order among the patch's elements",
    original: withContainers({ name: "a" }, { name: "b" }), patch: withContainers({ name: "b", image: "2" }, { name: "a", image: "1" }),
    expected: withContainers({ name: "b", image: "2" }, { name: "a", image: "1" }) },
  { name: "$setElementOrder places new and old elements (merge lists of maps)",
    original: withContainers({ name: "1", other: "a" }, { name: "2", value: "2", other: "b" }),
    patch: { spec: { "$setElementOrder/containers": [{ name: "4" }, { name: "1" }, { name: "2" }, { name: "3" }], containers: [{ name: "4", value: "4" }, { name: "3", value: "3" }] } },
    expected: withContainers({ name: "4", value: "4" }, { name: "1", other: "a" }, { name: "2", value: "2", other: "b" }, { name: "3", value: "3" }) },
  { name: "$setElementOrder without the list reorders what is there",
    original: withContainers({ name: "a" }, { name: "b" }, { name: "c" }), patch: { spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "a" }, { name: "b" }] } },
    expected: withContainers({ name: "c" }, { name: "a" }, { name: "b" }) },
  { name: "$setElementOrder that does not match the patch's order is refused",
    original: withContainers({ name: "1" }, { name: "3" }, { name: "2" }),
    patch: { spec: { "$setElementOrder/containers": [{ name: "1" }, { name: "2" }, { name: "3" }], containers: [{ name: "3", value: "3" }, { name: "1", value: "1" }] } },
    error: /doesn't match/ },
  { name: "an element without the merge key is refused",
    original: withContainers({ name: "1" }), patch: withContainers({ image: "b" }), error: /does not contain declared merge key: name/ },
  { name: "$patch: merge in a list is refused as upstream",
    original: withContainers({ name: "1" }), patch: withContainers({ name: "1", $patch: "merge" }), error: /merging lists cannot yet be specified in the patch/ },
  { name: "$patch: replace in a list replaces the list",
    original: withContainers({ name: "a" }, { name: "b" }), patch: withContainers({ $patch: "replace" }, { name: "z" }), expected: withContainers({ name: "z" }) },
  { name: "$patch: delete on a map empties it",
    original: { spec: { template: { metadata: { labels: { a: "1" } } } } }, patch: { spec: { template: { metadata: { $patch: "delete" } } } },
    expected: { spec: { template: { metadata: {} } } } },
  { name: "an unknown $patch on a map is refused", original: { spec: { replicas: 1 } }, patch: { spec: { $patch: "frob" } }, error: /unknown patch type: frob/ },
  { name: "scalars merged as a set: the patch's new values first", original: finalizers("x", "y"), patch: finalizers("z", "y"), expected: finalizers("z", "x", "y") },
  { name: "delete items in lists of scalars with $setElementOrder",
    original: finalizers("1", "2", "3", "4"), patch: { metadata: { "$setElementOrder/finalizers": ["1", "2"], "$deleteFromPrimitiveList/finalizers": ["3"] } },
    expected: finalizers("1", "2", "4") },
  { name: "add and delete items in lists of scalars",
    original: finalizers("1", "2", "3", "4"), patch: { metadata: { "$setElementOrder/finalizers": ["1", "2", "4"], "$deleteFromPrimitiveList/finalizers": ["3"], finalizers: ["4"] } },
    expected: finalizers("1", "2", "4") },
  { name: "$retainKeys keeps only the listed keys before merging",
    original: { spec: { volumes: [{ name: "v", hostPath: { path: "/a" } }] } },
    patch: { spec: { volumes: [{ name: "v", $retainKeys: ["name", "emptyDir"], emptyDir: {} }] } },
    expected: { spec: { volumes: [{ name: "v", emptyDir: {} }] } } },
];
for (const c of order) {
  test(`applyStrategicMergePatch ${c.name}`, () => {
    if (c.error) assert.throws(() => applyStrategicMergePatch(c.original, c.patch), (e: { code?: number; message?: string }) => e.code === 400 && c.error!.test(e.message ?? ""));
    else assert.deepEqual(applyStrategicMergePatch(c.original, c.patch), c.expected);
  });
}

test("applyStrategicMergePatch: the conformance ReplicaSet/StatefulSet patch puts its container at [0]", () => {
  const sts = withContainers({ name: "webserver", image: "httpd" });
  const patched = applyStrategicMergePatch(sts, { spec: { containers: [{ name: "ss2", image: "pause" }] } });
  assert.deepEqual(names(patched), ["ss2", "webserver"]);
});
