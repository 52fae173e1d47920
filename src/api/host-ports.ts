type Json = Record<string, unknown>;

/** Upstream's DefaultBindAllHostIP: a host port on this address is taken on every address of the node. */
const ANY_IP = "0.0.0.0";

/**
 * The host ports a pod takes, as upstream's nodeports plugin reads them (the containers' ports with a
 * hostPort; a missing protocol is TCP, a missing hostIP 0.0.0.0), each written "PROTOCOL/hostIP/port".
 */
export function podHostPorts(spec: Json | undefined): string[] {
  const out: string[] = [];
  for (const c of ((spec?.containers ?? []) as Json[])) {
    for (const p of ((c.ports ?? []) as Json[])) {
      const port = Number(p.hostPort ?? 0);
      if (port > 0) out.push(`${(p.protocol as string | undefined) || "TCP"}/${(p.hostIP as string | undefined) || ANY_IP}/${port}`);
    }
  }
  return out;
}

/**
 * Upstream's HostPortInfo: the host ports in use on a node, counted (pods come and go). Two uses of a
 * protocol and port conflict when their hostIPs are equal or either is 0.0.0.0.
 */
export class HostPortSet {
  /** "PROTOCOL/port" → hostIP → how many pods use it. */
  private readonly used = new Map<string, Map<string, number>>();

  private static split(key: string): [string, string] {
    const first = key.indexOf("/");
    const last = key.lastIndexOf("/");
    return [`${key.slice(0, first)}/${key.slice(last + 1)}`, key.slice(first + 1, last)];
  }

  /** Counts `key` ("PROTOCOL/hostIP/port") once more (sign 1) or once less (sign -1). */
  add(key: string, sign: 1 | -1 = 1): void {
    const [protoPort, ip] = HostPortSet.split(key);
    let ips = this.used.get(protoPort);
    if (!ips) this.used.set(protoPort, (ips = new Map()));
    const n = (ips.get(ip) ?? 0) + sign;
    if (n > 0) ips.set(ip, n);
    else ips.delete(ip);
    if (ips.size === 0) this.used.delete(protoPort);
  }

  conflicts(key: string): boolean {
    const [protoPort, ip] = HostPortSet.split(key);
    const ips = this.used.get(protoPort);
    if (!ips) return false;
    return ip === ANY_IP ? ips.size > 0 : ips.has(ip) || ips.has(ANY_IP);
  }

  get size(): number {
    return this.used.size;
  }
}
