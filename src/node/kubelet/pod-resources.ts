import type { Pod } from "kubernetes-types/core/v1.js";
import { Quantity } from "../../api/quantity.js";
import type { Container } from "kubernetes-types/core/v1.js";
import { CPU_PERIOD_US, MIN_CPU_SHARES, type ContainerResources, type PodResources } from "../runtime/runtime.js";

const MIN_QUOTA_US = 1000;

/** Upstream's MilliCPUToShares: 1 CPU is 1024 shares; nothing requested is the minimum. */
export function milliCpuToShares(milliCpu: number): number {
  return milliCpu === 0 ? MIN_CPU_SHARES : Math.max(MIN_CPU_SHARES, Math.floor((milliCpu * 1024) / 1000));
}

const milli = (q: string | number | undefined) => (q === undefined ? 0 : Number(Quantity.parse(q).milliValue()));

/**
 * A container's own cgroup settings, as upstream's generateLinuxContainerResources: shares from the CPU
 * request (the limit when only that is given), a CFS quota from the CPU limit, the memory limit in bytes.
 * E.g. requests.cpu 250m, limits.cpu 500m, limits.memory 64Mi → 256 shares, 50,000 µs a 100 ms period,
 * 67,108,864 bytes.
 */
export function containerResources(c: Container): ContainerResources {
  const r = c.resources ?? {};
  const cpuLimit = milli(r.limits?.cpu);
  const cpuRequest = r.requests?.cpu !== undefined ? milli(r.requests.cpu) : cpuLimit;
  const memory = r.limits?.memory !== undefined ? Number(Quantity.parse(r.limits.memory).value()) : undefined;
  return {
    cpuShares: milliCpuToShares(cpuRequest),
    ...(cpuLimit > 0 ? { cpuQuotaUs: Math.max(MIN_QUOTA_US, Math.floor((cpuLimit * CPU_PERIOD_US) / 1000)) } : {}),
    ...(memory ? { memoryLimitBytes: memory } : {}),
  };
}

/**
 * The pod-level CPU cgroup settings the kubelet gives a pod (upstream's ResourceConfigForPod): shares from
 * the CPU requests — the larger of the containers' sum and any one init container's — and, when every
 * container has a CPU limit, a CFS quota from the limits. BestEffort pods get the minimum shares.
 */
export function podResources(pod: Pod): PodResources {
  const qosClass = (pod.status?.qosClass ?? "BestEffort") as PodResources["qosClass"];
  const spec = pod.spec!;
  const sum = (pick: "requests" | "limits") => spec.containers.reduce((s, c) => s + milli(c.resources?.[pick]?.cpu), 0);
  const initMax = (pick: "requests" | "limits") => Math.max(0, ...(spec.initContainers ?? []).map((c) => milli(c.resources?.[pick]?.cpu)));
  if (qosClass === "BestEffort") return { qosClass, cpuShares: MIN_CPU_SHARES };
  const requests = Math.max(sum("requests"), initMax("requests"));
  const allLimited = [...spec.containers, ...(spec.initContainers ?? [])].every((c) => c.resources?.limits?.cpu !== undefined);
  const limits = Math.max(sum("limits"), initMax("limits"));
  const cpuQuotaUs = allLimited && limits > 0 ? Math.max(MIN_QUOTA_US, Math.floor((limits * CPU_PERIOD_US) / 1000)) : undefined;
  return { qosClass, cpuShares: milliCpuToShares(requests), ...(cpuQuotaUs === undefined ? {} : { cpuQuotaUs }) };
}
