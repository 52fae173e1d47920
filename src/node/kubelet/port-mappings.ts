import type { Pod } from "kubernetes-types/core/v1.js";
import type { PortMapping } from "../runtime/runtime.js";

/**
 * The pod's hostPorts as the runtime forwards them (the kubelet's makePortMappings): every container port
 * with a hostPort, protocol TCP when unset, each hostIP:hostPort/protocol once. A hostNetwork pod listens
 * on the node itself, so it has none.
 */
export function podPortMappings(pod: Pod): PortMapping[] {
  if (pod.spec?.hostNetwork) return [];
  const seen = new Set<string>();
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const protocol = (p.protocol ?? "TCP") as PortMapping["protocol"];
      const key = `${p.hostIP ?? ""}:${p.hostPort}/${protocol}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ containerPort: p.containerPort, hostPort: p.hostPort, protocol, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}
