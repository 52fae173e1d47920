import { HostPortSet, podHostPorts } from "../api/host-ports.js";
import { Quantity } from "../api/quantity.js";
import type { Taint } from "../api/taints.js";
import type { KubeObject } from "../api/types.js";

type Json = Record<string, unknown>;

/** What a pod asks of a node: summed container requests (init containers: the max), and host ports. */
export interface PodDemand {
  milliCpu: number;
  memory: number;
  hostPorts: string[];
}

/** A quantity's value and milli-value as numbers (unparseable: 0). */
interface Amount {
  value: number;
  milli: number;
}

/**
 * Amounts by their text. A cluster's requests and capacities repeat a handful of strings ("100m",
 * "128Mi"), and every pod update is a new object to count, so parsing (exact, in BigInt) is memoised;
 * the map is emptied if a cluster ever shows it more than MEMO_LIMIT distinct ones.
 */
const amounts = new Map<string, Amount>();
const MEMO_LIMIT = 4096;

function amount(v: unknown): Amount {
  const text = typeof v === "number" ? String(v) : String(v ?? "0");
  let known = amounts.get(text);
  if (!known) {
    let q: Quantity;
    try {
      q = Quantity.parse(text);
    } catch {
      q = Quantity.zero();
    }
    if (amounts.size >= MEMO_LIMIT) amounts.clear();
    amounts.set(text, (known = { value: Number(q.value()), milli: Number(q.milliValue()) }));
  }
  return known;
}

/**
 * Demands by pod object: informer objects are never mutated, and a pod is counted when scheduled, when
 * assumed and when seen bound — its quantities are parsed once.
 */
const demands = new WeakMap<KubeObject, PodDemand>();

export function podDemand(pod: KubeObject): PodDemand {
  let demand = demands.get(pod);
  if (!demand) demands.set(pod, (demand = computeDemand(pod)));
  return demand;
}

function computeDemand(pod: KubeObject): PodDemand {
  const spec = (pod.spec ?? {}) as Json;
  const sum = (containers: Json[]) => {
    let cpu = 0;
    let mem = 0;
    for (const c of containers) {
      const requests = ((c.resources as Json | undefined)?.requests ?? {}) as Json;
      cpu += amount(requests.cpu).milli;
      mem += amount(requests.memory).value;
    }
    return { cpu, mem };
  };
  const main = sum((spec.containers as Json[] | undefined) ?? []);
  let cpu = main.cpu;
  let mem = main.mem;
  for (const c of (spec.initContainers as Json[] | undefined) ?? []) {
    const one = sum([c]);
    cpu = Math.max(cpu, one.cpu);
    mem = Math.max(mem, one.mem);
  }
  return { milliCpu: cpu, memory: mem, hostPorts: podHostPorts(spec) };
}

/** The uid of the pod's controller, if it has one. */
export function controllerOf(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

const NO_TAINTS: readonly Taint[] = Object.freeze([]);

/**
 * A node with what is already placed on it: upstream's NodeInfo. What the filters read of the Node
 * object itself is read once here: node objects come from JSON in many shapes, and a scheduling attempt
 * looks at hundreds of them.
 */
export class NodeInfo {
  milliCpu = 0;
  memory = 0;
  pods = 0;
  readonly ports = new HostPortSet();
  readonly ownerCounts = new Map<string, number>();
  readonly allocatable: { milliCpu: number; memory: number; pods: number };
  readonly name: string;
  readonly unschedulable: boolean;
  /** The taints that keep pods off (NoSchedule, NoExecute); PreferNoSchedule only weighs in scoring upstream. */
  readonly taints: readonly Taint[];

  constructor(readonly node: KubeObject) {
    this.name = node.metadata.name!;
    const spec = (node.spec ?? {}) as Json;
    this.unschedulable = !!spec.unschedulable;
    const taints = ((spec.taints ?? []) as Taint[]).filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
    this.taints = taints.length > 0 ? taints : NO_TAINTS;
    const alloc = (((node.status ?? {}) as Json).allocatable ?? {}) as Json;
    this.allocatable = {
      milliCpu: amount(alloc.cpu).milli,
      memory: amount(alloc.memory).value,
      pods: amount(alloc.pods ?? "110").value,
    };
  }

  add(pod: KubeObject, sign: 1 | -1 = 1): void {
    const d = podDemand(pod);
    this.milliCpu += sign * d.milliCpu;
    this.memory += sign * d.memory;
    this.pods += sign;
    for (const p of d.hostPorts) this.ports.add(p, sign);
    const owner = controllerOf(pod);
    if (owner) this.ownerCounts.set(owner, (this.ownerCounts.get(owner) ?? 0) + sign);
  }
}
