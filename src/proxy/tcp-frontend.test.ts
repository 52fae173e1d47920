import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { TcpFrontend, tryOrder } from "./tcp-frontend.js";

const a = { ip: "10.88.0.2", port: 80 };
const b = { ip: "10.88.0.3", port: 80 };
const c = { ip: "10.88.0.4", port: 80 };

describe("tryOrder", () => {
  const cases: Array<{ name: string; first: number; failed: Array<[string, number]>; now: number; want: typeof a[] }> = [
    { name: "round robin from the turn's backend", first: 1, failed: [], now: 0, want: [b, c, a] },
    { name: "a backend that just failed comes last", first: 0, failed: [["10.88.0.2:80", 1_000]], now: 2_000, want: [b, c, a] },
    { name: "failures keep the round-robin order among themselves", first: 1, failed: [["10.88.0.3:80", 1_000], ["10.88.0.4:80", 1_500]], now: 2_000, want: [a, b, c] },
    { name: "a failure 10 s old no longer counts", first: 0, failed: [["10.88.0.2:80", 1_000]], now: 11_000, want: [a, b, c] },
  ];
  for (const t of cases) {
    test(t.name, () => assert.deepEqual(tryOrder([a, b, c], t.first, new Map(t.failed), t.now), t.want));
  }
});

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
});
