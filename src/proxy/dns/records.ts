import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";

/** What the cluster DNS reads: services and their slices (from the proxy's caches). */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): EndpointSlice[];
}

export type Rcode = "NOERROR" | "NXDOMAIN";

export interface DnsRecord {
  name: string;
  type: "A" | "CNAME" | "SRV";
  data: string | { priority: number; weight: number; port: number; target: string };
}

export interface Answer {
  rcode: Rcode;
  records: DnsRecord[];
  /** Not in the cluster domain: someone else's to answer. */
  external?: boolean;
}

/** Seconds a cluster answer may be cached (CoreDNS's kubernetes plugin default). */
export const DNS_TTL = 5;

/** The addresses a headless service publishes: ready endpoints (all of them with publishNotReadyAddresses). */
function headlessEndpoints(view: ClusterView, svc: Service): Array<{ ip: string; hostname?: string }> {
  const all = svc.spec?.publishNotReadyAddresses === true;
  const out: Array<{ ip: string; hostname?: string }> = [];
  for (const slice of view.slices(svc.metadata!.namespace!, svc.metadata!.name!)) {
    for (const ep of slice.endpoints ?? []) {
      if (!all && ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) out.push({ ip, hostname: ep.hostname });
    }
  }
  return out;
}

/**
 * The Kubernetes DNS specification (as CoreDNS's kubernetes plugin serves it) for one question:
 * `<svc>.<ns>.svc.<domain>` → the cluster IP, or every ready endpoint of a headless service;
 * `<hostname>.<svc>.<ns>.svc.<domain>` → that endpoint; ExternalName → a CNAME;
 * `_<port>._<proto>.<svc>.<ns>.svc.<domain>` → SRV; `<a-b-c-d>.<ns>.pod.<domain>` → that address.
 */
export function resolveName(view: ClusterView, domain: string, qname: string, qtype: string): Answer {
  const name = qname.toLowerCase().replace(/\.$/, "");
  const suffix = `.${domain}`;
  if (!name.endsWith(suffix)) return { rcode: "NOERROR", records: [], external: true };
  const labels = name.slice(0, -suffix.length).split(".");
  const nx: Answer = { rcode: "NXDOMAIN", records: [] };
  const kind = labels[labels.length - 1];
  const a = (ips: string[]): DnsRecord[] => (qtype === "A" || qtype === "ANY" ? ips.map((ip) => ({ name: qname, type: "A" as const, data: ip })) : []);

  if (kind === "pod" && labels.length === 3) {
    const ip = labels[0]!.replaceAll("-", ".");
    return /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? { rcode: "NOERROR", records: a([ip]) } : nx;
  }
  if (kind !== "svc" || labels.length < 3) return labels.length <= 2 ? { rcode: "NOERROR", records: [] } : nx;
  const [ns, svcName] = [labels[labels.length - 2]!, labels[labels.length - 3]!];
  const svc = view.service(ns, svcName);
  if (!svc) return nx;
  const spec = svc.spec ?? {};
  const prefix = labels.slice(0, -3);

  if (prefix.length === 0) {
    if (spec.type === "ExternalName") return { rcode: "NOERROR", records: [{ name: qname, type: "CNAME", data: spec.externalName ?? "" }] };
    if (spec.clusterIP && spec.clusterIP !== "None") return { rcode: "NOERROR", records: a([spec.clusterIP]) };
    return { rcode: "NOERROR", records: a(headlessEndpoints(view, svc).map((e) => e.ip)) };
  }
  if (prefix.length === 1 && spec.clusterIP === "None") {
    const found = headlessEndpoints(view, svc).filter((e) => e.hostname === prefix[0]);
    return found.length ? { rcode: "NOERROR", records: a(found.map((e) => e.ip)) } : nx;
  }
  if (prefix.length === 2 && prefix[0]!.startsWith("_") && prefix[1]!.startsWith("_")) {
    const [portName, proto] = [prefix[0]!.slice(1), prefix[1]!.slice(1).toUpperCase()];
    const port = (spec.ports ?? []).find((p) => p.name === portName && (p.protocol ?? "TCP") === proto);
    if (!port) return nx;
    const target = `${svcName}.${ns}.svc.${domain}`;
    return { rcode: "NOERROR", records: qtype === "SRV" || qtype === "ANY" ? [{ name: qname, type: "SRV", data: { priority: 0, weight: 100, port: port.port, target } }] : [] };
  }
  return nx;
}
