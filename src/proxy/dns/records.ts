import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";

/** What the cluster DNS reads: services and their slices (from the proxy's caches). */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): EndpointSlice[];
  /** Whether any service lives in the namespace: the DNS knows a namespace by its services. */
  hasNamespace(namespace: string): boolean;
  /** Every service and every slice, for reverse (PTR) lookups. */
  allServices(): Service[];
  allSlices(): EndpointSlice[];
}

export type Rcode = "NOERROR" | "NXDOMAIN";

export interface DnsRecord {
  name: string;
  type: "A" | "CNAME" | "SRV" | "PTR";
  data: string | { priority: number; weight: number; port: number; target: string };
}

export interface Answer {
  rcode: Rcode;
  records: DnsRecord[];
  /** Not the cluster's to answer (outside its domain, or an address it doesn't know): forward it. */
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
  return resolve(view, domain, qname, qtype, 0);
}

/** resolveName, `depth` CNAMEs into a chain. */
function resolve(view: ClusterView, domain: string, qname: string, qtype: string, depth: number): Answer {
  const name = qname.toLowerCase().replace(/\.$/, "");
  if (qtype === "PTR" && name.endsWith(".in-addr.arpa")) return resolveAddress(view, domain, qname, name);
  if (name === domain) return { rcode: "NOERROR", records: [] };
  const suffix = `.${domain}`;
  if (!name.endsWith(suffix)) return { rcode: "NOERROR", records: [], external: true };
  const labels = name.slice(0, -suffix.length).split(".");
  const nx: Answer = { rcode: "NXDOMAIN", records: [] };
  const nodata: Answer = { rcode: "NOERROR", records: [] };
  const kind = labels[labels.length - 1];
  const a = (ips: string[]): DnsRecord[] => (qtype === "A" || qtype === "ANY" ? ips.map((ip) => ({ name: qname, type: "A" as const, data: ip })) : []);

  // The zone's own structure: svc. and pod. exist; <ns>.svc. and <ns>.pod. exist when the namespace does.
  if (kind !== "svc" && kind !== "pod") return nx;
  if (labels.length === 1) return nodata;
  if (labels.length === 2) return view.hasNamespace(labels[0]!) ? nodata : nx;
  if (kind === "pod") {
    const ip = labels[0]!.replaceAll("-", ".");
    return labels.length === 3 && isIPv4(ip) ? { rcode: "NOERROR", records: a([ip]) } : nx;
  }
  const [ns, svcName] = [labels[labels.length - 2]!, labels[labels.length - 3]!];
  const svc = view.service(ns, svcName);
  if (!svc) return nx;
  const spec = svc.spec ?? {};
  const prefix = labels.slice(0, -3);

  if (prefix.length === 0) {
    if (spec.type === "ExternalName") return externalName(view, domain, qname, qtype, spec.externalName ?? "", depth);
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

const isIPv4 = (s: string): boolean => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split(".").every((o) => Number(o) <= 255);

/** How many CNAMEs within the cluster domain an answer follows (an ExternalName may name another). */
const MAX_CNAME_CHAIN = 8;

/**
 * An ExternalName service: a CNAME to its external name and, when that name is the cluster's own, the
 * target's records too (as CoreDNS chases in-zone CNAMEs), so a client gets addresses in one answer.
 */
function externalName(view: ClusterView, domain: string, qname: string, qtype: string, target: string, depth: number): Answer {
  const records: DnsRecord[] = [{ name: qname, type: "CNAME", data: target }];
  const inZone = target.toLowerCase().replace(/\.$/, "").endsWith(`.${domain}`);
  if (!inZone || qtype === "CNAME" || depth >= MAX_CNAME_CHAIN) return { rcode: "NOERROR", records };
  return { rcode: "NOERROR", records: [...records, ...resolve(view, domain, target, qtype, depth + 1).records] };
}

/**
 * A reverse lookup (`d.c.b.a.in-addr.arpa`): a service's cluster IP → `<svc>.<ns>.svc.<domain>`; an
 * endpoint's address → `<hostname or a-b-c-d>.<svc>.<ns>.svc.<domain>`, as CoreDNS's kubernetes plugin
 * answers. Any other address is not the cluster's: forwarded, as CoreDNS's `fallthrough in-addr.arpa`.
 */
function resolveAddress(view: ClusterView, domain: string, qname: string, name: string): Answer {
  const octets = name.slice(0, -".in-addr.arpa".length).split(".");
  const ip = octets.reverse().join(".");
  if (octets.length !== 4 || !isIPv4(ip)) return { rcode: "NOERROR", records: [], external: true };
  const ptr = (target: string): Answer => ({ rcode: "NOERROR", records: [{ name: qname, type: "PTR", data: target }] });
  for (const svc of view.allServices()) {
    const ips = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
    if (ips.includes(ip)) return ptr(`${svc.metadata!.name}.${svc.metadata!.namespace}.svc.${domain}`);
  }
  for (const slice of view.allSlices()) {
    const service = slice.metadata?.labels?.["kubernetes.io/service-name"];
    const endpoint = service && slice.endpoints?.find((ep) => ep.addresses.includes(ip));
    if (endpoint) return ptr(`${endpoint.hostname ?? ip.replaceAll(".", "-")}.${service}.${slice.metadata!.namespace}.svc.${domain}`);
  }
  return { rcode: "NOERROR", records: [], external: true };
}
