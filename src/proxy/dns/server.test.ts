import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";
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

/** An upstream nameserver on loopback: its UDP answers are truncated, its TCP answers carry 100 records. */
async function upstream(): Promise<{ port: number; tcpQueries: () => number; close(): void }> {
  let tcpQueries = 0;
  const big = (query: dns.DecodedPacket) => dns.encode({
    type: "response", id: query.id, questions: query.questions,
    answers: Array.from({ length: 100 }, (_, i) => ({ name: "big.example", type: "A" as const, ttl: 60, data: `192.0.2.${i}` })),
  });
  const udp = createSocket("udp4");
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  udp.on("message", (msg, from) => {
    const query = dns.decode(msg);
    udp.send(dns.encode({ type: "response", id: query.id, questions: query.questions, flags: dns.TRUNCATED_RESPONSE }), from.port, from.address);
  });
  const port = udp.address().port;
  const tcp = createServer((s) => s.on("data", (chunk: Buffer) => {
    tcpQueries++;
    const reply = big(dns.decode(chunk.subarray(2)));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(reply.length);
    s.end(Buffer.concat([len, reply]));
  }));
  await new Promise<void>((r) => tcp.listen(port, "127.0.0.1", () => r()));
  return { port, tcpQueries: () => tcpQueries, close: () => (udp.close(), tcp.close()) };
}

function askUdp(port: number, name: string, type: dns.RecordType = "A"): Promise<dns.DecodedPacket> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.on("message", (msg) => (s.close(), resolve(dns.decode(msg))));
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
  const server = new ClusterDns({ ip: "127.0.0.1", port: 0, domain: "cluster.local", view, upstream: [`127.0.0.1:${up.port}`] });
  const port = await server.listen();
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
