import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { TcpFrontend } from "./tcp-frontend.js";

describe("TcpFrontend", () => {
  test("relays every connection to the live backend when another refuses", async () => {
    const served: string[] = [];
    const live = createServer((s) => s.end("live\n"));
    live.listen(0, "127.0.0.1");
    await once(live, "listening");
    // A port that was just free: nothing listens there, so connecting is refused.
    const gone = createServer().listen(0, "127.0.0.1");
    await once(gone, "listening");
    const refusing = (gone.address() as AddressInfo).port;
    gone.close();
    const port = (live.address() as AddressInfo).port;
    const frontend = new TcpFrontend({
      key: "127.0.0.1:0/TCP", ip: "127.0.0.1", port: 0, protocol: "TCP", service: "default/web:",
      backends: [{ ip: "127.0.0.1", port: refusing }, { ip: "127.0.0.1", port }],
    }, () => {});
    const frontendPort = await frontend.listen();
    try {
      for (let i = 0; i < 4; i++) {
        const socket = connect(frontendPort, "127.0.0.1");
        let body = "";
        socket.on("data", (d: Buffer) => (body += d.toString()));
        await once(socket, "close");
        served.push(body);
      }
      assert.deepEqual(served, ["live\n", "live\n", "live\n", "live\n"]);
    } finally {
      frontend.destroy();
      live.close();
    }
  });

  test("with ClientIP affinity every connection from one client goes to the same backend; without, they alternate", async () => {
    const servers = await Promise.all(["one", "two"].map(async (name) => {
      const server = createServer((s) => s.end(name));
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      return server;
    }));
    const backends = servers.map((s) => ({ ip: "127.0.0.1", port: (s.address() as AddressInfo).port }));
    const answers = async (affinityTimeoutSeconds?: number) => {
      const frontend = new TcpFrontend({ key: "127.0.0.1:0/TCP", ip: "127.0.0.1", port: 0, protocol: "TCP", service: "default/web:", backends, affinityTimeoutSeconds }, () => {});
      const port = await frontend.listen();
      const out: string[] = [];
      for (let i = 0; i < 4; i++) {
        const socket = connect(port, "127.0.0.1");
        let body = "";
        socket.on("data", (d: Buffer) => (body += d.toString()));
        await once(socket, "close");
        out.push(body);
      }
      frontend.destroy();
      return out;
    };
    try {
      assert.deepEqual(await answers(), ["one", "two", "one", "two"]);
      assert.deepEqual(await answers(10_800), ["one", "one", "one", "one"]);
    } finally {
      for (const s of servers) s.close();
    }
  });
});
