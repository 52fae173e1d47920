import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { NodeInfo } from "./node-info.js";
import { nodesToFind, schedulePod } from "./schedule.js";

const node = (name: string, opts: { labels?: Record<string, string>; cpu?: string; memory?: string; pods?: string; taints?: unknown[]; unschedulable?: boolean } = {}) =>
  new NodeInfo({
    apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...opts.labels } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { allocatable: { cpu: opts.cpu ?? "4", memory: opts.memory ?? "8Gi", pods: opts.pods ?? "110" } },
  });

const pod = (spec: Record<string, unknown> = {}, name = "p"): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "c", image: "x", ...(spec.container as object) }], ...spec },
});

const cases: Array<{ name: string; pod: KubeObject; nodes: NodeInfo[]; want: string }> = [
  { name: "nodeSelector picks the matching node", pod: pod({ nodeSelector: { disk: "ssd" } }), nodes: [node("a"), node("b", { labels: { disk: "ssd" } })], want: "b" },
  { name: "nodeSelector matching nothing", pod: pod({ nodeSelector: { disk: "ssd" } }), nodes: [node("a"), node("b")],
    want: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector." },
  { name: "required node affinity In", pod: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["z2"] }] }] } } } }),
    nodes: [node("a", { labels: { zone: "z1" } }), node("b", { labels: { zone: "z2" } })], want: "b" },
  { name: "untolerated NoSchedule taint", pod: pod(), nodes: [node("a", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }), node("b")], want: "b" },
  { name: "tolerated taint", pod: pod({ tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }], nodeSelector: { gpu: "yes" } }),
    nodes: [node("a", { labels: { gpu: "yes" }, taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] })], want: "a" },
  { name: "unschedulable node", pod: pod(), nodes: [node("a", { unschedulable: true })], want: "0/1 nodes are available: 1 node(s) were unschedulable." },
  { name: "insufficient cpu", pod: pod({ container: { resources: { requests: { cpu: "3" } } } }), nodes: [node("a", { cpu: "2" }), node("b", { cpu: "1" })],
    want: "0/2 nodes are available: 2 Insufficient cpu." },
  { name: "memory fits only one", pod: pod({ container: { resources: { requests: { memory: "6Gi" } } } }), nodes: [node("a", { memory: "4Gi" }), node("b", { memory: "8Gi" })], want: "b" },
  { name: "mixed reasons are counted and sorted", pod: pod({ nodeSelector: { x: "y" }, container: { resources: { requests: { cpu: "8" } } } }),
    nodes: [node("a", { labels: { x: "y" } }), node("b"), node("c")], want: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector." },
];

for (const c of cases) {
  test(`schedulePod ${c.name}`, () => {
    const r = schedulePod(c.pod, c.nodes, 0, () => 0);
    assert.equal("node" in r ? r.node : r.unschedulable, c.want);
  });
}

test("schedulePod refuses a host port already taken on the node", () => {
  const withPort = pod({ container: { ports: [{ containerPort: 80, hostPort: 8080 }] } });
  const a = node("a");
  a.add(withPort);
  const r = schedulePod(withPort, [a], 0);
  assert.deepEqual(r, { unschedulable: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports." });
});

test("schedulePod prefers the least allocated node and spreads one owner's pods", () => {
  const busy = node("busy");
  busy.add(pod({ container: { resources: { requests: { cpu: "3" } } } }, "other"));
  assert.deepEqual(schedulePod(pod({ container: { resources: { requests: { cpu: "100m" } } } }), [busy, node("idle")], 0), { node: "idle" });
  const owned = (name: string): KubeObject => ({ ...pod({}, name), metadata: { name, namespace: "default", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "rs-1", controller: true }] } });
  const a = node("a");
  a.add(owned("p1"));
  assert.deepEqual(schedulePod(owned("p2"), [a, node("b")], 0), { node: "b" });
});

test("nodesToFind follows upstream's percentage of nodes to score", () => {
  assert.equal(nodesToFind(50), 50);
  assert.equal(nodesToFind(1000), 420);
  assert.equal(nodesToFind(5000), 500);
  assert.equal(nodesToFind(10000), 500);
});
