import { test } from "node:test";
import assert from "node:assert/strict";
import { applyStrategicMergePatch } from "../patch/strategic-merge.js";
import { listSemantics } from "./merge-meta.js";
import { builtinTypes } from "./testing.js";

// The lists the two hand-kept tables disagreed on, now read from one: upstream 1.32's markers.
const cases: Array<{ name: string; type: string; field: string; listType: string; keys?: string[]; patchMergeKey?: string }> = [
  { name: "container ports are keyed by containerPort and protocol, merged by containerPort", type: "Container", field: "ports", listType: "map", keys: ["containerPort", "protocol"], patchMergeKey: "containerPort" },
  { name: "service ports are keyed by port and protocol, merged by port", type: "ServiceSpec", field: "ports", listType: "map", keys: ["port", "protocol"], patchMergeKey: "port" },
  { name: "a node's addresses merge by type", type: "NodeStatus", field: "addresses", listType: "map", keys: ["type"], patchMergeKey: "type" },
  { name: "a pod's podIPs merge by ip", type: "PodStatus", field: "podIPs", listType: "map", keys: ["ip"], patchMergeKey: "ip" },
  { name: "a pod's hostIPs merge by ip", type: "PodStatus", field: "hostIPs", listType: "map", keys: ["ip"], patchMergeKey: "ip" },
  { name: "topology spread constraints are keyed by topologyKey and whenUnsatisfiable", type: "PodSpec", field: "topologySpreadConstraints", listType: "map", keys: ["topologyKey", "whenUnsatisfiable"], patchMergeKey: "topologyKey" },
  { name: "finalizers are a set", type: "ObjectMeta", field: "finalizers", listType: "set" },
];
for (const c of cases) {
  test(`listSemantics ${c.name}`, () => {
    const s = listSemantics(c.type, c.field);
    assert.equal(s?.listType, c.listType);
    assert.deepEqual(s?.keys, c.keys);
    assert.equal(s?.patchMergeKey, c.patchMergeKey);
  });
}

test("listSemantics: a node's taints are atomic (replaced whole by a strategic merge patch)", () => {
  assert.equal(listSemantics("NodeSpec", "taints"), undefined);
  const node = builtinTypes().of("io.k8s.api.core.v1.Node");
  const patched = applyStrategicMergePatch({ spec: { taints: [{ key: "a", effect: "NoSchedule" }] } }, { spec: { taints: [{ key: "b", effect: "NoSchedule" }] } }, node);
  assert.deepEqual(patched, { spec: { taints: [{ key: "b", effect: "NoSchedule" }] } });
});

test("MergeTypes: strategic merge patch merges status.addresses and podIPs through the published schema", () => {
  const node = builtinTypes().of("io.k8s.api.core.v1.Node");
  const merged = applyStrategicMergePatch({ status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } }, { status: { addresses: [{ type: "Hostname", address: "n1" }] } }, node);
  assert.deepEqual(merged, { status: { addresses: [{ type: "Hostname", address: "n1" }, { type: "InternalIP", address: "10.0.0.1" }] } });
  const pod = builtinTypes().of("io.k8s.api.core.v1.Pod");
  const ips = applyStrategicMergePatch({ status: { podIPs: [{ ip: "10.0.0.2" }] } }, { status: { podIPs: [{ ip: "fd00::2" }] } }, pod);
  assert.deepEqual(ips, { status: { podIPs: [{ ip: "fd00::2" }, { ip: "10.0.0.2" }] } });
});

test("MergeTypes: the schema carries the list-map keys, patch strategy and atomic markers", () => {
  const deploy = builtinTypes().of("io.k8s.api.apps.v1.Deployment");
  const spec = deploy.field("spec")!;
  assert.equal(spec.field("selector")!.atomic, true);
  const containers = spec.field("template")!.field("spec")!.field("containers")!;
  assert.deepEqual(containers.list, { listType: "map", keys: ["name"], patchStrategy: "merge", patchMergeKey: "name" });
  assert.deepEqual(containers.element().field("ports")!.list?.keys, ["containerPort", "protocol"]);
  assert.equal(spec.field("template")!.field("spec")!.field("nodeSelector")!.atomic, true);
  assert.equal(spec.field("template")!.field("spec")!.field("tolerations")!.list?.listType, "atomic");
});
