import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
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
  /** Where other names go (default: the host's nameservers). */
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

  async listen(): Promise<void> {
    const { ip, port = 53 } = this.opts;
    const udp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, ip, () => resolve());
    });
    udp.on("message", (msg, from) => void this.answer(msg).then((reply) => reply && udp.send(reply, from.port, from.address)));
    this.udp = udp;
    const tcp = createServer((s) => this.serveTcp(s));
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(port, ip, () => resolve());
    });
    this.tcp = tcp;
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
        void this.answer(Buffer.from(msg)).then((reply) => {
          if (!reply || socket.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /** The reply to one DNS message, or nothing for a message that isn't a query. */
  async answer(msg: Buffer): Promise<Buffer | undefined> {
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
      flags: (authoritative ? dns.AUTHORITATIVE_ANSWER : 0) | dns.RECURSION_AVAILABLE | (query.flag_rd ? dns.RECURSION_DESIRED : 0) | rcode,
    });
    if (!question) return reply(RCODE.SERVFAIL, [], false);
    const result = resolveName(this.opts.view, this.opts.domain, question.name, question.type);
    if (result.external) return this.forward(msg).catch(() => reply(RCODE.SERVFAIL, [], false));
    const answers = result.records.map((r) => ({ name: r.name, type: r.type, ttl: DNS_TTL, class: "IN", data: r.data }) as dns.Answer);
    return reply(RCODE[result.rcode], answers);
  }

  /** Relays the query to the first upstream that answers in time. */
  private async forward(msg: Buffer): Promise<Buffer> {
    for (const server of this.upstream) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const s = createSocket("udp4");
        const timer = setTimeout(() => finish(undefined), FORWARD_TIMEOUT_MS);
        const finish = (r: Buffer | undefined) => {
          clearTimeout(timer);
          s.close();
          resolve(r);
        };
        s.on("error", () => finish(undefined));
        s.on("message", (r) => finish(r));
        s.send(msg, 53, server);
      });
      if (reply) return reply;
    }
    throw new Error("no upstream nameserver answered");
  }
}
