import type { Pod, Service, ServicePort } from "kubernetes-types/core/v1.js";

/** A port as Endpoints and EndpointSlices carry it: the service port's name, the pod's port number. */
export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** One pod as an endpoint of one service. */
export interface PodEndpoint {
  pod: Pod;
  ip: string;
  nodeName?: string;
  /** Set when the pod's subdomain is this (headless) service, for `<hostname>.<svc>.<ns>.svc` DNS names. */
  hostname?: string;
  /** Serving and not terminating: new connections may go here. */
  ready: boolean;
  /** Passing its readiness probe, terminating or not. */
  serving: boolean;
  terminating: boolean;
  /** One entry per service port the pod serves; a named targetPort the pod lacks leaves that port out. */
  ports: EndpointPort[];
}

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Upstream's ShouldPodBeInEndpoints: an address, not finished for good, and (unless asked) not terminating. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status.phase;
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (policy === "Never") return phase !== "Failed" && phase !== "Succeeded";
  if (policy === "OnFailure") return phase !== "Succeeded";
  return true;
}

/** The pod's port a service port sends to: a number as is, a name looked up among the containers' ports. */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

/**
 * The endpoints of `svc` among `pods` (already selected by its selector), sorted by pod name.
 * `includeTerminating`: EndpointSlices keep terminating pods (ready=false, terminating=true); Endpoints drop them.
 */
export function podEndpoints(svc: Service, pods: readonly Pod[], includeTerminating: boolean): PodEndpoint[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = svc.spec?.ports ?? [];
  const result: PodEndpoint[] = [];
  for (const pod of [...pods].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))) {
    if (!shouldPodBeInEndpoints(pod, includeTerminating || publishNotReady)) continue;
    const terminating = !!pod.metadata?.deletionTimestamp;
    const serving = publishNotReady || isPodReady(pod);
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    if (servicePorts.length > 0 && ports.length === 0) continue;
    const hostname = pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name ? pod.spec.hostname : undefined;
    result.push({
      pod, ip: pod.status!.podIP!, nodeName: pod.spec?.nodeName, hostname,
      ready: serving && (!terminating || publishNotReady), serving, terminating, ports,
    });
  }
  return result;
}

/** A stable key for a port list, to group endpoints that serve the same ports. */
export function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify([...ports].sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : 1)).map((p) => [p.name ?? "", p.port, p.protocol, p.appProtocol ?? ""]));
}
