import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { describe, test } from "node:test";
import { UdpFrontend } from "./udp-frontend.js";

/** A UDP server on loopback that answers each datagram with its name and what it got. */
async function echo(name: string): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket("udp4");
  socket.on("message", (msg, from) => socket.send(`${name}:${msg.toString()}`, from.port, from.address));
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { socket, port: socket.address().port };
}

async function ask(client: Socket, port: number, text: string): Promise<string> {
  client.send(text, port, "127.0.0.1");
  const [reply] = await once(client, "message") as [Buffer];
  return reply.toString();
}

async function clientSocket(): Promise<Socket> {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  return s;
}

describe("UdpFrontend", () => {
  const frontendFor = async (affinityTimeoutSeconds?: number) => {
    const servers = await Promise.all([echo("one"), echo("two")]);
    const frontend = new UdpFrontend({
      key: "127.0.0.1:0/UDP", ip: "127.0.0.1", port: 0, protocol: "UDP", service: "default/dns:",
      backends: servers.map((s) => ({ ip: "127.0.0.1", port: s.port })), affinityTimeoutSeconds,
    }, () => {});
    const port = await frontend.listen();
    return { port, frontend, close: () => (frontend.destroy(), servers.forEach((s) => s.socket.close())) };
  };

  test("each client's datagrams stay on one backend and replies come back from the service's address; new clients are balanced", async () => {
    const { port, close } = await frontendFor();
    const [first, second] = [await clientSocket(), await clientSocket()];
    try {
      assert.equal(await ask(first, port, "a"), "one:a");
      assert.equal(await ask(first, port, "b"), "one:b");
      assert.equal(await ask(second, port, "c"), "two:c");
      assert.equal(await ask(first, port, "d"), "one:d");
    } finally {
      first.close();
      second.close();
      close();
    }
  });

  test("with ClientIP affinity a new flow from the same address goes to the same backend", async () => {
    const { port, close } = await frontendFor(10_800);
    const sockets = [await clientSocket(), await clientSocket(), await clientSocket()];
    try {
      const replies = [];
      for (const s of sockets) replies.push(await ask(s, port, "x"));
      assert.deepEqual(replies, ["one:x", "one:x", "one:x"]);
    } finally {
      for (const s of sockets) s.close();
      close();
    }
  });

  test("a flow whose backend left the endpoints moves to a remaining one", async () => {
    const servers = await Promise.all([echo("one"), echo("two")]);
    const [one, two] = servers.map((s) => ({ ip: "127.0.0.1", port: s.port }));
    const frontend = new UdpFrontend({ key: "127.0.0.1:0/UDP", ip: "127.0.0.1", port: 0, protocol: "UDP", service: "default/dns:", backends: [one!, two!] }, () => {});
    const port = await frontend.listen();
    const client = await clientSocket();
    try {
      assert.equal(await ask(client, port, "a"), "one:a");
      frontend.update({ backends: [two!] });
      assert.equal(await ask(client, port, "b"), "two:b");
    } finally {
      client.close();
      frontend.destroy();
      for (const s of servers) s.socket.close();
    }
  });
});
