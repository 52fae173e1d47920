import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { NodeInfo, podDemand } from "./node-info.js";

const pod = (containers: unknown[], initContainers: unknown[] = []): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers, initContainers } });
const requests = (cpu?: string, memory?: string) => ({ name: "c", resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } });

test("podDemand sums container requests, takes the largest init container, and reads the same text the same way every time", () => {
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(podDemand(pod([requests("0.5", "1Gi"), requests("250m", "128Mi")], [requests("2", "64Mi")])), { milliCpu: 2000, memory: 1152 * 2 ** 20, hostPorts: [] });
  }
  assert.deepEqual(podDemand(pod([requests("1m", "1k")])), { milliCpu: 1, memory: 1000, hostPorts: [] });
});

test("podDemand counts a request it cannot parse as nothing, and rounds fractions up as upstream's Value", () => {
  assert.deepEqual(podDemand(pod([requests("lots", "1.5")])), { milliCpu: 0, memory: 2, hostPorts: [] });
});

test("NodeInfo reads allocatable cpu, memory and pods (110 when unset)", () => {
  const info = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { allocatable: { cpu: "3500m", memory: "2Gi" } } });
  assert.deepEqual(info.allocatable, { milliCpu: 3500, memory: 2 * 2 ** 30, pods: 110 });
});
