import type { Pod } from "kubernetes-types/core/v1.js";

/** The kubelet's --cluster-dns and --cluster-domain. */
export interface ClusterDnsConfig {
  nameserver: string;
  domain: string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split("\n")) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === "nameserver" && values[0]) out.nameservers.push(values[0]);
    else if (key === "search" || key === "domain") out.searches = values;
    else if (key === "options") out.options.push(...values);
  }
  return out;
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

/**
 * The pod's /etc/resolv.conf as the kubelet writes it, or undefined where the pod simply sees the host's
 * (dnsPolicy Default, or ClusterFirst on the host network). ClusterFirst: the cluster DNS first, the
 * namespace's search path, ndots:5; `dnsConfig` adds to it (or, with dnsPolicy None, is all of it).
 */
export function podResolvConf(pod: Pod, cluster: ClusterDnsConfig | undefined, host: ResolvConf): string | undefined {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.dnsPolicy ?? "ClusterFirst";
  const clusterFirst = cluster && (policy === "ClusterFirstWithHostNet" || (policy === "ClusterFirst" && !spec.hostNetwork));
  let base: ResolvConf;
  if (policy === "None") base = { nameservers: [], searches: [], options: [] };
  else if (clusterFirst) {
    const ns = pod.metadata?.namespace ?? "default";
    base = {
      nameservers: [cluster.nameserver],
      searches: [`${ns}.svc.${cluster.domain}`, `svc.${cluster.domain}`, cluster.domain, ...host.searches],
      options: ["ndots:5"],
    };
  } else if (!spec.dnsConfig) return undefined;
  else base = { ...host };
  const extra = spec.dnsConfig ?? {};
  const nameservers = [...new Set([...base.nameservers, ...(extra.nameservers ?? [])])].slice(0, MAX_NAMESERVERS);
  const searches = [...new Set([...base.searches, ...(extra.searches ?? [])])].slice(0, MAX_SEARCHES);
  const options = new Map(base.options.map((o) => [o.split(":")[0]!, o]));
  for (const o of extra.options ?? []) options.set(o.name!, o.value === undefined ? o.name! : `${o.name}:${o.value}`);
  return [
    ...(searches.length ? [`search ${searches.join(" ")}`] : []),
    ...nameservers.map((n) => `nameserver ${n}`),
    ...(options.size ? [`options ${[...options.values()].join(" ")}`] : []),
  ].join("\n") + "\n";
}

/** The pod's /etc/hosts as the kubelet writes it: localhost, the pod's own name (and FQDN with a subdomain), hostAliases. */
export function podHostsFile(pod: Pod, podIP: string, clusterDomain: string | undefined): string {
  const spec = pod.spec ?? { containers: [] };
  const hostname = spec.hostname ?? pod.metadata?.name ?? "";
  const names = spec.subdomain && clusterDomain
    ? [`${hostname}.${spec.subdomain}.${pod.metadata?.namespace ?? "default"}.svc.${clusterDomain}`, hostname]
    : [hostname];
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    `${podIP}\t${names.join("\t")}`,
  ];
  if (spec.hostAliases?.length) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of spec.hostAliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join("\t")}`);
  }
  return lines.join("\n") + "\n";
}

/** A hostNetwork pod's /etc/hosts as the kubelet writes it: the node's own file under its header, then hostAliases. */
export function hostNetworkHostsFile(pod: Pod, nodeHosts: string): string {
  const aliases = pod.spec?.hostAliases ?? [];
  const entries = aliases.length ? ["", "# Entries added by HostAliases.", ...aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join("\t")}`)].join("\n") + "\n" : "";
  return `# Kubernetes-managed hosts file (host network).\n${nodeHosts}${entries}`;
}
