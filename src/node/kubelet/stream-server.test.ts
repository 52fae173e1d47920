import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket } from "ws";
import { ProcessStreams } from "../runtime/process/streams.js";
import { StreamServer } from "./stream-server.js";

const running = (pattern: string) => spawnSync("pgrep", ["-f", pattern], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;

test("StreamServer closes an exec session idle past the timeout, and ends its command", async () => {
  const streams = new ProcessStreams({
    container: () => ({ state: "running", env: {}, command: (argv) => argv, namespaced: false }),
    netns: () => undefined,
  });
  const server = new StreamServer({ target: () => ({ sandboxId: "s", containerId: "c" }), runtime: () => streams, running: () => true, nodeName: "n" }, 300);
  const http = createServer();
  http.on("upgrade", (req, socket, head) => server.handle(req, socket, head));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  try {
    const { port } = http.address() as AddressInfo;
    // Taken before the request goes out: the server's idle timer can't start earlier (a loaded machine
    // may deliver "open" to the client well after the server started counting).
    const started = Date.now();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/exec/ns/pod/c?command=sleep&command=31337&stdout=1`, ["v4.channel.k8s.io"]);
    await once(ws, "open");
    await once(ws, "close");
    assert.ok(Date.now() - started >= 290, "not before the idle timeout");
    for (let i = 0; i < 100 && running("sleep 31337") > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(running("sleep 31337"), 0, "the idle session's command is gone");
  } finally {
    http.close();
  }
});
