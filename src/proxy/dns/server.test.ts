import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { connect, createServer, type AddressInfo } from "node:net";
import * as dns from "dns-packet";
import { ClusterDns } from "./server.js";
import type { ClusterView } from "./records.js";

const view: ClusterView = {
  service: (ns, name) => (ns === "default" && name === "web" ? { metadata: { name, namespace: ns }, spec: { clusterIP: "10.96.5.6" } } : undefined),
  slices: () => [],
  hasNamespace: (ns) => ns === "default",
  allServices: () => [],
  allSlices: () => [],
};

async function retry<T>(fn: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
    }
  }
}

/** An upstream nameserver on loopback: its UDP answers are truncated, its TCP answers carry 100 records. */
async function upstream(): Promise<{ port: number; tcpQueries: () => number; close(): void }> {
  let tcpQueries = 0;
  const big = (query: dns.DecodedPacket) => dns.encode({
    type: "response", id: query.id, questions: query.questions,
    answers: Array.from({ length: 100 }, (_, i) => ({ name: "big.example", type: "A" as const, ttl: 60, data: `192.0.2.${i}` })),
  });
  const tcp = createServer((s) => s.on("data", (chunk: Buffer) => {
    tcpQueries++;
    const reply = big(dns.decode(chunk.subarray(2)));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(reply.length);
    s.end(Buffer.concat([len, reply]));
  }));
  const answerTruncated = (udp: Socket) => udp.on("message", (msg, from) => {
    const query = dns.decode(msg);
    udp.send(dns.encode({ type: "response", id: query.id, questions: query.questions, flags: dns.TRUNCATED_RESPONSE }), from.port, from.address);
  });
  // One port for both: a free TCP port, then UDP on it (tried again where UDP has that port taken).
  const { port, udp } = await retry(async () => {
    await new Promise<void>((resolve, reject) => tcp.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
    const p = (tcp.address() as AddressInfo).port;
    const socket = createSocket("udp4");
    try {
      await new Promise<void>((resolve, reject) => socket.once("error", reject).bind(p, "127.0.0.1", () => resolve()));
    } catch (err) {
      socket.close();
      await new Promise((r) => tcp.close(r));
      throw err;
    }
    answerTruncated(socket);
    return { port: p, udp: socket };
  });
  return { port, tcpQueries: () => tcpQueries, close: () => (udp.close(), tcp.close()) };
}

function askUdp(port: number, name: string, type: dns.RecordType = "A"): Promise<dns.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    const timer = setTimeout(() => (s.close(), reject(new Error(`no answer for ${name} in 5 s`))), 5000);
    s.on("message", (msg) => (clearTimeout(timer), s.close(), resolve(dns.decode(msg))));
    s.send(dns.encode({ type: "query", id: 7, flags: dns.RECURSION_DESIRED, questions: [{ name, type }] }), port, "127.0.0.1");
  });
}

function askTcp(port: number, name: string): Promise<dns.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    const query = dns.encode({ type: "query", id: 8, flags: dns.RECURSION_DESIRED, questions: [{ name, type: "A" }] });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length);
    let buffered = Buffer.alloc(0);
    s.setTimeout(5000, () => s.destroy(new Error(`no answer for ${name} in 5 s`)));
    s.on("error", reject);
    s.on("connect", () => s.write(Buffer.concat([len, query])));
    s.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        s.destroy();
        resolve(dns.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
      }
    });
  });
}

describe("ClusterDns", async () => {
  const up = await upstream();
  let server!: ClusterDns;
  // Port 0: UDP picks it, TCP must get the same one; another test's socket may hold it over TCP.
  const port = await retry(async () => {
    server = new ClusterDns({ ip: "127.0.0.1", port: 0, domain: "cluster.local", view, upstream: [`127.0.0.1:${up.port}`] });
    try {
      return await server.listen();
    } catch (err) {
      server.close();
      throw err;
    }
  });
  after(() => (server.close(), up.close()));

  test("answers a cluster name over UDP", async () => {
    const reply = await askUdp(port, "web.default.svc.cluster.local");
    assert.deepEqual(reply.answers?.map((a) => (a as { data?: unknown }).data), ["10.96.5.6"]);
  });
  test("an unknown cluster name is NXDOMAIN with the zone's SOA, for negative caching", async () => {
    const reply = await askUdp(port, "nope.svc.cluster.local");
    assert.equal((reply as { rcode?: string }).rcode, "NXDOMAIN");
    assert.deepEqual(reply.authorities?.map((a) => [a.name, a.type]), [["cluster.local", "SOA"]]);
  });
  test("a query that came over TCP is forwarded over TCP, so a large answer arrives whole", async () => {
    const reply = await askTcp(port, "big.example");
    assert.equal(reply.answers?.length, 100);
    assert.equal(up.tcpQueries(), 1);
  });
  test("a query that came over UDP is forwarded over UDP: the truncated answer tells the client to retry on TCP", async () => {
    const reply = await askUdp(port, "big.example");
    assert.equal(reply.flag_tc, true);
  });
});
