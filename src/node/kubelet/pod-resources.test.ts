import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { containerResources, milliCpuToShares, podResources } from "./pod-resources.js";

const pod = (qosClass: string, containers: Container[], initContainers?: Container[]): Pod =>
  ({ metadata: { name: "p" }, spec: { containers, initContainers }, status: { qosClass } });
const c = (requests?: string, limits?: string): Container =>
  ({ name: "c", resources: { ...(requests ? { requests: { cpu: requests } } : {}), ...(limits ? { limits: { cpu: limits } } : {}) } });

describe("milliCpuToShares", () => {
  test("1 CPU is 1024 shares, nothing is the minimum of 2", () => {
    assert.equal(milliCpuToShares(1000), 1024);
    assert.equal(milliCpuToShares(250), 256);
    assert.equal(milliCpuToShares(1), 2);
    assert.equal(milliCpuToShares(0), 2);
  });
});

describe("podResources", () => {
  const cases: Array<{ name: string; pod: Pod; want: ReturnType<typeof podResources> }> = [
    { name: "BestEffort pods get the minimum shares and no quota", pod: pod("BestEffort", [c()]), want: { qosClass: "BestEffort", cpuShares: 2 } },
    { name: "Burstable: the containers' requests add up; no quota without a limit on each", pod: pod("Burstable", [c("100m", "200m"), c("400m")]), want: { qosClass: "Burstable", cpuShares: 512 } },
    { name: "Guaranteed: shares from requests, quota from limits per 100 ms", pod: pod("Guaranteed", [c("500m", "500m"), c("1", "1")]), want: { qosClass: "Guaranteed", cpuShares: 1536, cpuQuotaUs: 150_000 } },
    { name: "an init container asking more than all the containers sets the requests", pod: pod("Burstable", [c("100m")], [c("2")]), want: { qosClass: "Burstable", cpuShares: 2048 } },
  ];
  for (const t of cases) test(t.name, () => assert.deepEqual(podResources(t.pod), t.want));
});

describe("containerResources", () => {
  test("gives shares from the request, a quota from the CPU limit and the memory limit in bytes", () => {
    assert.deepEqual(containerResources({ name: "c", resources: { requests: { cpu: "250m" }, limits: { cpu: "500m", memory: "64Mi" } } }), {
      cpuShares: 256, cpuQuotaUs: 50_000, memoryLimitBytes: 67_108_864,
    });
  });
  test("takes the CPU limit for the shares when only a limit is given, and the minimum for none", () => {
    assert.deepEqual(containerResources({ name: "c", resources: { limits: { cpu: "1" } } }), { cpuShares: 1024, cpuQuotaUs: 100_000 });
    assert.deepEqual(containerResources({ name: "c" }), { cpuShares: 2 });
  });
});
