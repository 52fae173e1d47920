import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import type { IncomingMessage } from "node:http";
import { WebSocket } from "ws";
import { startTestServer } from "../testing.js";

test("proxyPodStream: a node agent that can't be reached is a 503 Status naming the dial error, not an empty reply", async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const port = (probe.address() as AddressInfo).port;
  probe.close();
  const t = await startTestServer();
  try {
    await t.call("POST", "/api/v1/nodes", { metadata: { name: "gone" } });
    const status = { status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
    assert.equal((await t.call("PATCH", "/api/v1/nodes/gone/status", status, { "Content-Type": "application/merge-patch+json" })).status, 200);
    await t.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p" }, spec: { nodeName: "gone", containers: [{ name: "c", image: "i" }] } });
    for (const sub of ["exec?command=true&stdout=1", "attach?stdout=1", "portforward?ports=80"]) {
      const ws = new WebSocket(`${t.base.replace("http", "ws")}/api/v1/namespaces/default/pods/p/${sub}`, ["v4.channel.k8s.io"]);
      ws.on("error", () => undefined);
      const [, res] = (await once(ws, "unexpected-response")) as [unknown, IncomingMessage];
      let body = "";
      for await (const chunk of res) body += String(chunk);
      assert.equal(res.statusCode, 503, sub);
      const s = JSON.parse(body) as { kind: string; reason: string; message: string };
      assert.equal(s.kind, "Status");
      assert.equal(s.reason, "ServiceUnavailable");
      assert.match(s.message, new RegExp(`error dialing backend: dial tcp 127.0.0.1:${port}: .*ECONNREFUSED`));
    }
  } finally {
    await t.close();
  }
});
