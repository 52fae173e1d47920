import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../api/types.js";
import { byNamespace, byNodeName, byOwnerUid, Indexer } from "./indexer.js";

const pod = (name: string, ns: string, node?: string, owner?: string, phase = "Pending"): KubeObject => ({
  metadata: { name, namespace: ns, ownerReferences: owner ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] : undefined },
  spec: node ? { nodeName: node } : {},
  status: { phase },
});

test("Indexer keeps every index right through adds, updates that change index values or don't, and deletes", () => {
  const idx = new Indexer({ namespace: byNamespace, owner: byOwnerUid, node: byNodeName });
  const names = (index: string, value: string) => idx.byIndex(index, value).map((p) => p.metadata.name).sort();
  idx.set(pod("a", "ns1", undefined, "rs1"));
  idx.set(pod("b", "ns1", "n1", "rs1"));
  assert.deepEqual([names("namespace", "ns1"), names("owner", "rs1"), names("node", "n1")], [["a", "b"], ["a", "b"], ["b"]]);

  const old = idx.set(pod("a", "ns1", "n2", "rs1"));
  assert.equal(old?.metadata.name, "a");
  assert.deepEqual([names("node", "n2"), names("owner", "rs1")], [["a"], ["a", "b"]], "bound: indexed by its node, the rest unchanged");
  idx.set(pod("a", "ns1", "n2", "rs1", "Running"));
  assert.equal((idx.byIndex("node", "n2")[0]!.status as { phase: string }).phase, "Running", "an update the indices don't see still replaces the object");
  idx.set(pod("a", "ns1", "n2", "rs2"));
  assert.deepEqual([names("owner", "rs1"), names("owner", "rs2")], [["b"], ["a"]], "adopted by another owner");

  idx.delete("ns1/b");
  assert.deepEqual([names("owner", "rs1"), names("node", "n1"), names("namespace", "ns1")], [[], [], ["a"]]);
  idx.delete("ns1/a");
  assert.deepEqual([names("namespace", "ns1"), idx.size], [[], 0]);
  assert.throws(() => idx.byIndex("nope", "x"), /No index named "nope"/);
});
