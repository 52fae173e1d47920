import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import * as dns from "dns-packet";
import { DNS_TTL, resolveName, type ClusterView } from "./records.js";

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
const FORWARD_TIMEOUT_MS = 2000;

/** The host's nameservers from its resolv.conf, where names outside the cluster are forwarded. */
export function hostNameservers(path = "/etc/resolv.conf"): string[] {
  try {
    return [...readFileSync(path, "utf8").matchAll(/^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
  } catch {
    return [];
  }
}

export interface ClusterDnsOptions {
  ip: string;
  port?: number;
  domain: string;
  view: ClusterView;
  /** Where other names go, as `ip` or `ip:port` (default: the host's nameservers, on port 53). */
  upstream?: string[];
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * The cluster DNS (CoreDNS's role with its kubernetes and forward plugins), on UDP and TCP: names in
 * the cluster domain are answered from the services and endpoints the proxy watches; the others are
 * forwarded to the host's nameservers.
 */
export class ClusterDns {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly upstream: string[];

  constructor(private readonly opts: ClusterDnsOptions) {
    this.upstream = opts.upstream ?? hostNameservers();
  }

  /** Binds UDP and TCP on the same port (port 0: the one UDP was given) and returns it. */
  async listen(): Promise<number> {
    const { ip, port = 53 } = this.opts;
    const udp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, ip, () => resolve());
    });
    udp.on("message", (msg, from) => void this.answer(msg, "udp").then((reply) => reply && udp.send(reply, from.port, from.address)));
    this.udp = udp;
    const bound = udp.address().port;
    const tcp = createServer((s) => this.serveTcp(s));
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(bound, ip, () => resolve());
    });
    this.tcp = tcp;
    return bound;
  }

  close(): void {
    this.udp?.close();
    this.tcp?.close();
  }

  private serveTcp(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        void this.answer(Buffer.from(msg), "tcp").then((reply) => {
          if (reply && !socket.destroyed) socket.write(framed(reply));
        });
      }
    });
  }

  /**
   * The reply to one DNS message, or nothing for a message that isn't a query. A query that arrived over
   * TCP is forwarded over TCP, so an answer too large for a datagram reaches the client whole.
   */
  async answer(msg: Buffer, transport: "udp" | "tcp" = "udp"): Promise<Buffer | undefined> {
    let query: dns.DecodedPacket;
    try {
      query = dns.decode(msg);
    } catch {
      return undefined;
    }
    if (query.type !== "query") return undefined;
    const question = query.questions?.[0];
    const reply = (rcode: number, answers: dns.Answer[] = [], authoritative = true): Buffer => dns.encode({
      type: "response", id: query.id, questions: query.questions, answers,
      // A negative answer carries the zone's SOA, whose minimum TTL tells resolvers how long to cache it.
      authorities: authoritative && answers.length === 0 ? [this.soa()] : [],
      flags: (authoritative ? dns.AUTHORITATIVE_ANSWER : 0) | dns.RECURSION_AVAILABLE | (query.flag_rd ? dns.RECURSION_DESIRED : 0) | rcode,
    });
    try {
      if (!question) return reply(RCODE.SERVFAIL, [], false);
      const result = resolveName(this.opts.view, this.opts.domain, question.name, question.type);
      if (result.external) return await this.forward(msg, transport).catch(() => reply(RCODE.SERVFAIL, [], false));
      const answers = result.records.map((r) => ({ name: r.name, type: r.type, ttl: DNS_TTL, class: "IN", data: r.data }) as dns.Answer);
      return reply(RCODE[result.rcode], answers);
    } catch (err) {
      // A record that can't be encoded (a name too long for DNS, say) fails this query, not the server.
      this.opts.log?.({ level: "warning", msg: "Cluster DNS could not answer", name: question?.name, err: String(err) });
      try {
        return reply(RCODE.SERVFAIL, [], false);
      } catch {
        return undefined;
      }
    }
  }

  private soa(): dns.Answer {
    const { domain } = this.opts;
    return {
      name: domain, type: "SOA", ttl: DNS_TTL, class: "IN",
      data: { mname: `ns.dns.${domain}`, rname: `hostmaster.${domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: DNS_TTL },
    };
  }

  /** Relays the query to the first upstream that answers in time, over the transport it came by. */
  private async forward(msg: Buffer, transport: "udp" | "tcp"): Promise<Buffer> {
    for (const server of this.upstream) {
      const reply = await (transport === "tcp" ? forwardTcp : forwardUdp)(msg, server);
      if (reply) return reply;
    }
    throw new Error("no upstream nameserver answered");
  }
}

/** A DNS message with the two-byte length that precedes it on a TCP stream (RFC 1035 4.2.2). */
function framed(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** `ip` or `ip:port` → where to send a forwarded query. */
function hostPort(server: string): [string, number] {
  const [host, port] = server.split(":");
  return [host!, port ? Number(port) : 53];
}

function forwardUdp(msg: Buffer, server: string): Promise<Buffer | undefined> {
  const [host, port] = hostPort(server);
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const timer = setTimeout(() => finish(undefined), FORWARD_TIMEOUT_MS);
    const finish = (r: Buffer | undefined) => {
      clearTimeout(timer);
      s.close();
      resolve(r);
    };
    s.on("error", () => finish(undefined));
    s.on("message", (r) => finish(r));
    s.send(msg, port, host);
  });
}

function forwardTcp(msg: Buffer, server: string): Promise<Buffer | undefined> {
  const [host, port] = hostPort(server);
  return new Promise((resolve) => {
    const s = connect(port, host);
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(undefined), FORWARD_TIMEOUT_MS);
    const finish = (r: Buffer | undefined) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    s.on("error", () => finish(undefined));
    s.on("close", () => finish(undefined));
    s.on("connect", () => s.write(framed(msg)));
    s.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) finish(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
    });
  });
}
