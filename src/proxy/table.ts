import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { SERVICE_NAME_LABEL } from "../api/discovery.js";
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS } from "./affinity.js";

export interface Backend {
  ip: string;
  port: number;
}

/** One address the proxy answers on, and where its new connections may go. */
export interface Frontend {
  /** `ip:port/protocol`; ip 0.0.0.0 for a node port (every address of the host). */
  key: string;
  ip: string;
  port: number;
  protocol: string;
  /** `namespace/name:portName`, for logs. */
  service: string;
  /** Ready, not terminating endpoints, in a stable order. */
  backends: Backend[];
  /** `sessionAffinity: ClientIP`: how long a client sticks to its backend since its last connection. */
  affinityTimeoutSeconds?: number;
}


/** Upstream's rule: `ready` unset counts as ready; a terminating endpoint never takes new connections here. */
function takesNewConnections(conditions: { ready?: boolean; terminating?: boolean } | undefined): boolean {
  return conditions?.ready !== false && conditions?.terminating !== true;
}

/** Backends per `namespace/service` and port name, from every slice of the service. */
function backendsByService(slices: readonly EndpointSlice[]): Map<string, Map<string, Backend[]>> {
  const result = new Map<string, Map<string, Backend[]>>();
  for (const slice of slices) {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!service || slice.addressType !== "IPv4") continue;
    const key = `${slice.metadata!.namespace}/${service}`;
    let ports = result.get(key);
    if (!ports) result.set(key, (ports = new Map()));
    for (const port of slice.ports ?? []) {
      if (port.port === undefined) continue;
      let list = ports.get(port.name ?? "");
      if (!list) ports.set(port.name ?? "", (list = []));
      for (const ep of slice.endpoints ?? []) {
        if (takesNewConnections(ep.conditions)) for (const ip of ep.addresses) list.push({ ip, port: port.port });
      }
    }
  }
  for (const ports of result.values()) for (const list of ports.values()) list.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  return result;
}

/**
 * What kube-proxy programs, as data: each service port's cluster IP and node port, with the ready
 * endpoints of that port. Headless and ExternalName services have no frontend.
 */
export function buildTable(services: readonly Service[], slices: readonly EndpointSlice[]): Frontend[] {
  const backends = backendsByService(slices);
  const frontends: Frontend[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    if (spec.type === "ExternalName") continue;
    const key = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
    const byPort = backends.get(key);
    for (const port of spec.ports ?? []) {
      const protocol = port.protocol ?? "TCP";
      const name = port.name ?? "";
      const common = {
        protocol, service: `${key}:${name}`, backends: byPort?.get(name) ?? [],
        ...(spec.sessionAffinity === "ClientIP" ? { affinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS } : {}),
      };
      const clusterIP = spec.clusterIP;
      if (clusterIP && clusterIP !== "None") frontends.push({ key: `${clusterIP}:${port.port}/${protocol}`, ip: clusterIP, port: port.port, ...common });
      if ((spec.type === "NodePort" || spec.type === "LoadBalancer") && port.nodePort) {
        frontends.push({ key: `0.0.0.0:${port.nodePort}/${protocol}`, ip: "0.0.0.0", port: port.nodePort, ...common });
      }
    }
  }
  return frontends;
}
