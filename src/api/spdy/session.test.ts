import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { FrameReader, FrameType, pingFrame } from "./frames.js";
import { SpdySession, type SpdyStream } from "./session.js";

/** A connected pair of sockets on loopback. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
  await once(client, "connect");
  const [serverSide] = await accepted;
  server.close();
  return [client, serverSide];
}

async function readAll(stream: SpdyStream): Promise<string> {
  let text = "";
  stream.on("data", (d: Buffer) => (text += d.toString()));
  await once(stream, "end");
  return text;
}

describe("SpdySession", () => {
  test("streams opened by the client carry their headers, and data flows both ways until each side's FIN", async () => {
    const [a, b] = await socketPair();
    const client = new SpdySession(a, { server: false });
    const server = new SpdySession(b, { server: true });
    const opened = once(server, "stream") as Promise<[SpdyStream]>;
    const stream = await client.open({ streamtype: ["stdin"], requestid: ["1"] });
    const [peer] = await opened;
    assert.equal(peer.id, 1);
    assert.deepEqual(peer.headers, { streamtype: ["stdin"], requestid: ["1"] });
    await peer.reply();
    stream.end("hello server");
    assert.equal(await readAll(peer), "hello server");
    const back = readAll(stream);
    peer.end("hello client");
    assert.equal(await back, "hello client");
    client.close();
    server.close();
  });

  test("several streams keep their data apart; large writes arrive whole", async () => {
    const [a, b] = await socketPair();
    const client = new SpdySession(a, { server: false });
    const server = new SpdySession(b, { server: true });
    const received = new Map<string, Promise<string>>();
    server.on("stream", (s) => received.set(s.headers.streamtype![0]!, readAll(s)));
    const big = "x".repeat(300_000);
    const [out, err] = [await client.open({ streamtype: ["stdout"] }), await client.open({ streamtype: ["stderr"] })];
    out.end(big);
    err.end("oops");
    while (received.size < 2) await once(server, "stream");
    assert.equal((await received.get("stdout"))!.length, big.length);
    assert.equal(await received.get("stderr"), "oops");
    client.close();
    server.close();
  });

  test("a ping from the client is answered with the same id", async () => {
    const [a, b] = await socketPair();
    const server = new SpdySession(b, { server: true });
    const reader = new FrameReader();
    a.write(pingFrame(5));
    const [chunk] = await once(a, "data") as [Buffer];
    const [frame] = reader.push(chunk);
    assert.ok(frame?.control && frame.type === FrameType.PING && frame.data.readUInt32BE(0) === 5);
    server.close();
    a.destroy();
  });

  test("a RST_STREAM from the peer ends the stream; garbage ends the session with GOAWAY, not the process", async () => {
    const [a, b] = await socketPair();
    const client = new SpdySession(a, { server: false });
    const server = new SpdySession(b, { server: true });
    const opened = once(server, "stream") as Promise<[SpdyStream]>;
    const stream = await client.open({ streamtype: ["data"] });
    const [peer] = await opened;
    const closedStream = once(stream, "close");
    peer.reset();
    await closedStream;
    const closed = once(server, "close") as Promise<[Error | undefined]>;
    a.write(Buffer.from([0x80, 9, 0, 1, 0, 0, 0, 0]));
    const [err] = await closed;
    assert.match(String(err), /version 9/);
    client.close();
  });

  test("SpdyStream.reply goes out before the data written right after it (spdystream drops DATA that precedes SYN_REPLY)", { timeout: 5_000 }, async () => {
    const [a, b] = await socketPair();
    const client = new SpdySession(a, { server: false });
    const server = new SpdySession(b, { server: true });
    const opened = once(server, "stream") as Promise<[SpdyStream]>;
    await client.open({ streamtype: ["stdout"] });
    const [peer] = await opened;
    // Watch the raw bytes the client side receives from here on.
    const reader = new FrameReader();
    const types: string[] = [];
    a.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk)) types.push(f.control ? (f.type === FrameType.SYN_REPLY ? "SYN_REPLY" : `control ${f.type}`) : "DATA");
    });
    void peer.reply();
    peer.write("right away");
    while (types.length < 2) await once(a, "data");
    assert.deepEqual(types.slice(0, 2), ["SYN_REPLY", "DATA"]);
    client.close();
    server.close();
  });

  test("SpdyStream writes wait while the connection is congested (a client that doesn't read holds the writer back)", async () => {
    const [a, b] = await socketPair();
    a.pause();
    const client = new SpdySession(a, { server: false });
    const server = new SpdySession(b, { server: true });
    const opened = once(server, "stream") as Promise<[SpdyStream]>;
    await client.open({ streamtype: ["stdout"] });
    const [peer] = await opened;
    await peer.reply();
    const mib = Buffer.alloc(1 << 20);
    for (let i = 0; i < 16; i++) peer.write(mib);
    await new Promise((r) => setTimeout(r, 100));
    // The kernel's socket buffers take a few megabytes; the rest waits in the stream, not the connection.
    assert.ok(b.writableLength < 2 << 20, `the connection holds ${b.writableLength} bytes`);
    assert.ok(peer.writableLength >= 8 << 20, `the stream holds ${peer.writableLength} bytes back`);
    client.close();
    server.close();
    a.destroy();
    b.destroy();
  });
});
