import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport } from "../api/transport.js";
import { startTestServer } from "../apiserver/testing.js";
import { FakeClock } from "../client/clock.js";
import { LEASES } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { Kubelet } from "../node/kubelet/kubelet.js";
import { ImageCatalog } from "../node/runtime/process/catalog.js";
import { ProcessRuntime } from "../node/runtime/process/process-runtime.js";
import { eventually } from "./cluster.js";

async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
}

test("Kubelet retries a failed node Lease renewal after a jittered 100 ms back-off, not a whole renew interval", async () => {
  const srv = await startTestServer();
  const real = srv.server.transport();
  const fault = { refuse: false };
  const transport: Transport = (req) => fault.refuse
    ? Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
    : real(req);
  const client = new RestClient({ server: srv.base, transport });
  const reader = new RestClient({ server: srv.base });
  const clock = new FakeClock(Date.now());
  const stateDir = mkdtempSync(join(tmpdir(), "tug-lease-retry-"));
  const logs: Array<Record<string, unknown>> = [];
  const kubelet = new Kubelet(client, {
    nodeName: "retry-1", runtime: new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1" }), stateDir, hostIP: "127.0.0.1",
    kubeletPort: 0, cpu: "1", memory: "1Gi", clock, log: (e) => void logs.push(e),
  });
  const stop = new AbortController();
  const running = kubelet.run(stop.signal);
  const renewTime = async () => ((await reader.get(LEASES, "kube-node-lease", "retry-1")).spec as { renewTime: string }).renewTime;
  try {
    await eventually("the first lease renewal", async () => renewTime().then(Boolean, () => false));
    fault.refuse = true;
    for (let i = 0; i < 100 && !logs.some((e) => e.msg === "Renewing the lease failed, will retry"); i++) {
      clock.advance(200);
      await flush();
    }
    const failed = logs.find((e) => e.msg === "Renewing the lease failed, will retry");
    assert.ok(failed, "a renewal failed and was logged");
    assert.ok(Number(failed.retryInMs) >= 100 && Number(failed.retryInMs) < 121, `retry in ${String(failed.retryInMs)} ms`);
    fault.refuse = false;
    const before = await renewTime();
    clock.advance(150);
    await eventually("the retried renewal", async () => (await renewTime()) !== before);
  } finally {
    await kubelet.shutdown(1);
    stop.abort();
    await running;
    client.close();
    reader.close();
    await srv.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
