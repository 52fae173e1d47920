import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../api/types.js";
import { NodeGraph } from "./graph.js";

const pod = (name: string, node: string | undefined, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns" },
  spec: { nodeName: node, containers: [{ name: "c", image: "i" }], ...spec },
} as KubeObject);

test("NodeGraph: a node reads what its pods use, each way a pod can name it, and nothing else", () => {
  const g = new NodeGraph();
  g.podHandlers.put(pod("p", "n1", {
    serviceAccountName: "sa",
    imagePullSecrets: [{ name: "pull" }],
    volumes: [{ name: "v", secret: { secretName: "vol" } }, { name: "cm", configMap: { name: "cm" } }, { name: "claim", persistentVolumeClaim: { claimName: "data" } },
      { name: "eph", ephemeral: {} }, { name: "proj", projected: { sources: [{ secret: { name: "psec" } }, { configMap: { name: "pcm" } }] } }],
    initContainers: [{ name: "i", image: "i", envFrom: [{ secretRef: { name: "initenv" } }] }],
    containers: [{ name: "c", image: "i", env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "envcm", key: "k" } } }] }],
  }));
  for (const [r, name] of [["secrets", "pull"], ["secrets", "vol"], ["secrets", "psec"], ["secrets", "initenv"], ["configmaps", "cm"], ["configmaps", "pcm"],
    ["configmaps", "envcm"], ["persistentvolumeclaims", "data"], ["persistentvolumeclaims", "p-eph"], ["serviceaccounts", "sa"]] as const) {
    assert.ok(g.relates("n1", r, "ns", name), `${r}/${name}`);
    assert.ok(!g.relates("n2", r, "ns", name), `n2 ${r}/${name}`);
    assert.ok(!g.relates("n1", r, "other", name), `other namespace ${r}/${name}`);
  }
  assert.ok(!g.relates("n1", "secrets", "ns", "unrelated"));
  assert.equal(g.nodeOf("ns", "p"), "n1");
});

test("NodeGraph: a volume through its bound claim; shared objects stay readable until the last pod goes; moves and unbound pods", () => {
  const g = new NodeGraph();
  const claim = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "ns" }, spec: { volumeName: "pv-1" } } as KubeObject;
  g.claimHandlers.put(claim);
  const uses = { volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }, { name: "s", secret: { secretName: "shared" } }] };
  g.podHandlers.put(pod("a", "n1", uses));
  g.podHandlers.put(pod("b", "n1", uses));
  assert.ok(g.relates("n1", "persistentvolumes", "", "pv-1"));
  assert.ok(!g.relates("n1", "persistentvolumes", "", "pv-2"));
  g.podHandlers.removed(pod("a", "n1"));
  assert.ok(g.relates("n1", "secrets", "ns", "shared"), "b still uses it");
  g.podHandlers.put(pod("b", "n2", uses));
  assert.ok(!g.relates("n1", "secrets", "ns", "shared"), "b moved away");
  assert.ok(g.relates("n2", "secrets", "ns", "shared"));
  g.podHandlers.put(pod("c", undefined, uses));
  assert.equal(g.nodeOf("ns", "c"), "", "a pod bound to no node");
  assert.equal(g.nodeOf("ns", "none"), undefined, "no such pod");
  g.claimHandlers.removed(claim);
  assert.ok(!g.relates("n2", "persistentvolumes", "", "pv-1"));
  g.podHandlers.reset();
  assert.ok(!g.relates("n2", "secrets", "ns", "shared"));
});
