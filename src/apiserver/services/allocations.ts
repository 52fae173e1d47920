import { invalidError, invalid, forbidden, type FieldError } from "../../api/field-errors.js";
import type { KubeObject } from "../../api/types.js";
import { NODE_PORT_RANGE } from "../../api/validation/service.js";
import type { Store } from "../../store/store.js";
import type { Allocations, Reservation } from "../registry/rest.js";
import { cidrRange, portRange, RangeAllocator } from "./ranges.js";

type Json = Record<string, unknown>;

export const SERVICE_CIDR = "10.96.0.0/12";

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: Array<{ port?: number; protocol?: string; nodePort?: number }>;
}

const specOf = (svc: KubeObject | undefined): ServiceSpec => (svc?.spec ?? {}) as ServiceSpec;
const hasNodePorts = (spec: ServiceSpec) => spec.type === "NodePort" || spec.type === "LoadBalancer";
const hasClusterIP = (spec: ServiceSpec) => spec.type !== "ExternalName" && spec.clusterIP !== "None";

/** What a Service holds: its cluster IP (if any) and its node ports. */
function heldBy(spec: ServiceSpec): { ip?: string; ports: number[] } {
  return {
    ip: hasClusterIP(spec) ? spec.clusterIP : undefined,
    ports: hasNodePorts(spec) ? (spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === "number" && n > 0) : [],
  };
}

/**
 * Cluster IPs from 10.96.0.0/12 and node ports from 30000–32767 for Services (upstream's service REST
 * allocators): requested values are checked and recorded, missing ones picked, and what an update or a
 * delete gives up is freed. Every member is a store key owned by the Service's uid.
 */
export class ServiceAllocations implements Allocations {
  readonly ips: RangeAllocator;
  readonly nodePorts: RangeAllocator;

  constructor(store: Store, readonly cidr: string = SERVICE_CIDR) {
    this.ips = new RangeAllocator(store, cidrRange(cidr, "/registry/ranges/serviceips/"));
    this.nodePorts = new RangeAllocator(store, portRange(NODE_PORT_RANGE.first, NODE_PORT_RANGE.last, "/registry/ranges/servicenodeports/"));
  }

  async reserve(svc: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<Reservation> {
    const spec = specOf(svc);
    const before = heldBy(specOf(old));
    const owner = svc.metadata.uid!;
    const taken: Array<[RangeAllocator, number]> = [];
    const errors: FieldError[] = [];
    const take = async (allocator: RangeAllocator, n: number) => {
      const ok = dryRun ? await allocator.isFree(n) : await allocator.allocate(n, owner);
      if (ok && !dryRun) taken.push([allocator, n]);
      return ok;
    };

    if (hasClusterIP(spec)) {
      const requested = spec.clusterIP || spec.clusterIPs?.[0];
      if (requested && requested !== before.ip) {
        const n = this.ips.range.parse(requested);
        if (n === undefined) errors.push(invalid("spec.clusterIPs[0]", requested, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        else if (!this.ips.contains(n)) {
          errors.push(invalid("spec.clusterIPs[0]", requested, `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.cidr}`));
        } else if (!(await take(this.ips, n))) {
          errors.push(invalid("spec.clusterIPs[0]", requested, `failed to allocate IP ${requested}: provided IP is already allocated`));
        }
      } else if (!requested && !dryRun) {
        const n = await this.ips.allocateNext(owner);
        if (n === undefined) errors.push(forbidden("spec.clusterIPs", "failed to allocate a serviceIP: range is full"));
        else {
          taken.push([this.ips, n]);
          spec.clusterIP = this.ips.range.format(n);
        }
      }
      if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    } else if (spec.clusterIP === "None") {
      spec.clusterIPs = ["None"];
    } else {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (spec.type !== "ExternalName") {
      spec.ipFamilies = ["IPv4"];
      spec.ipFamilyPolicy ??= "SingleStack";
    }

    if (hasNodePorts(spec)) {
      for (const [i, port] of (spec.ports ?? []).entries()) {
        if (port.nodePort) {
          if (before.ports.includes(port.nodePort)) continue;
          if (!(await take(this.nodePorts, port.nodePort))) errors.push(invalid(`spec.ports[${i}].nodePort`, port.nodePort, "provided port is already allocated"));
        } else if (!dryRun) {
          const n = await this.nodePorts.allocateNext(owner);
          if (n === undefined) errors.push(forbidden(`spec.ports[${i}].nodePort`, "failed to allocate a nodePort: range is full"));
          else {
            taken.push([this.nodePorts, n]);
            port.nodePort = n;
          }
        }
      }
    }

    const abort = async () => {
      await Promise.all(taken.map(([allocator, n]) => allocator.release(n, owner)));
    };
    if (errors.length > 0) {
      await abort();
      throw invalidError("Service", "", svc.metadata.name ?? "", errors);
    }
    return {
      abort,
      commit: async () => {
        if (dryRun || !old) return;
        const after = heldBy(spec);
        await this.free({ ip: before.ip !== after.ip ? before.ip : undefined, ports: before.ports.filter((p) => !after.ports.includes(p)) }, owner);
      },
    };
  }

  async release(svc: KubeObject): Promise<void> {
    await this.free(heldBy(specOf(svc)), svc.metadata.uid!);
  }

  private async free(held: { ip?: string; ports: number[] }, owner: string): Promise<void> {
    const ip = held.ip ? this.ips.range.parse(held.ip) : undefined;
    await Promise.all([
      ...(ip === undefined ? [] : [this.ips.release(ip, owner)]),
      ...held.ports.map((p) => this.nodePorts.release(p, owner)),
    ]);
  }

  /** Members repair found with no Service, as they were then: freed by {@link releaseLeaked} if still so. */
  private suspects: Array<{ allocator: RangeAllocator; n: number; owner: string; modRevision: number }> = [];

  /**
   * Upstream's repair controllers, run at start-up: what a Service holds but the ranges don't record
   * (written before they existed) is recorded; members whose Service is missing are only noted. They may
   * belong to a create in flight on another API server of the same store (members are taken before the
   * Service is written), so they are freed by a later {@link releaseLeaked}, as upstream frees a leak only
   * after seeing it on several repair passes. Returns conflicts.
   */
  async repair(services: KubeObject[]): Promise<string[]> {
    const conflicts: string[] = [];
    const owners = new Set(services.map((s) => s.metadata.uid!));
    this.suspects = [];
    for (const allocator of [this.ips, this.nodePorts]) {
      for (const m of await allocator.members()) if (!owners.has(m.owner)) this.suspects.push({ allocator, ...m });
    }
    for (const svc of services) {
      const held = heldBy(specOf(svc));
      const members: Array<[RangeAllocator, number | undefined]> = [
        [this.ips, held.ip ? this.ips.range.parse(held.ip) : undefined],
        ...held.ports.map((p): [RangeAllocator, number] => [this.nodePorts, p]),
      ];
      for (const [allocator, n] of members) {
        if (n === undefined || !allocator.contains(n)) continue;
        if (!(await allocator.allocate(n, svc.metadata.uid!))) conflicts.push(`${svc.metadata.namespace}/${svc.metadata.name}: ${allocator.range.format(n)} is held by another Service`);
      }
    }
    return conflicts;
  }

  /**
   * Frees the members {@link repair} noted that no Service in `services` (listed now) holds and that
   * nobody wrote since. Returns how many were freed.
   */
  async releaseLeaked(services: KubeObject[]): Promise<number> {
    const owners = new Set(services.map((s) => s.metadata.uid!));
    let freed = 0;
    for (const s of this.suspects.splice(0)) {
      if (!owners.has(s.owner) && (await s.allocator.releaseAt(s.n, s.modRevision))) freed++;
    }
    return freed;
  }
}

/** Upstream's patchAllocatedValues and dropTypeDependentFields: an update keeps what was allocated unless the type gives it up. */
export function carryOverAllocations(svc: Json, old: Json): void {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const was = (old.spec ?? {}) as ServiceSpec;
  if (hasClusterIP(spec) && hasClusterIP(was) && !spec.clusterIP && !spec.clusterIPs?.length) {
    spec.clusterIP = was.clusterIP;
    spec.clusterIPs = was.clusterIPs;
  }
  const oldPorts = was.ports ?? [];
  for (const port of spec.ports ?? []) {
    const match = oldPorts.find((p) => p.port === port.port && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"));
    if (hasNodePorts(spec) && hasNodePorts(was) && !port.nodePort && match?.nodePort) port.nodePort = match.nodePort;
    // Leaving NodePort: an unchanged node port goes with the type.
    if (!hasNodePorts(spec) && hasNodePorts(was) && port.nodePort && port.nodePort === match?.nodePort) delete port.nodePort;
  }
  if (spec.type === "ExternalName") {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
}
