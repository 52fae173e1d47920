import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { EVENTS, PODS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { Kubelet } from "../node/kubelet/kubelet.js";
import { ImageCatalog } from "../node/runtime/process/catalog.js";
import { ProcessRuntime } from "../node/runtime/process/process-runtime.js";
import { MemoryStore } from "../store/memory.js";
import { eventually } from "./cluster.js";

const NODE = "proc-1";

describe("node agent with the process runtime against the real API server", () => {
  let server: ApiServer;
  let client: RestClient;
  let kubelet: Kubelet;
  let stateDir: string;
  const stop = new AbortController();
  let running: Promise<void>;
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    stateDir = mkdtempSync(join(tmpdir(), "tug-kubelet-"));
    const runtime = new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1" });
    kubelet = new Kubelet(client, { nodeName: NODE, runtime, stateDir, hostIP: "127.0.0.1", kubeletPort: 0, cpu: "4", memory: "8Gi" });
    running = kubelet.run(stop.signal);
  });
  after(async () => {
    await kubelet.shutdown(1);
    stop.abort();
    await running;
    client.close();
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const get = async (name: string) => (await client.get(PODS, "default", name)) as unknown as Pod;
  const create = (name: string, spec: Record<string, unknown>) => client.create(PODS, "default", {
    apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec },
  } as KubeObject);
  const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: "busybox", command: ["sleep", "3600"], ...extra });

  test("admission: a pod whose hostPort is taken on the node is rejected Failed with reason NodePorts", async () => {
    await create("holder", { containers: [sleeper("c", { ports: [{ containerPort: 7001, hostPort: 7001 }] })] });
    await eventually("holder running", async () => (await get("holder")).status?.phase === "Running");
    await create("clash", { containers: [sleeper("c", { ports: [{ containerPort: 7001, hostPort: 7001, hostIP: "127.0.0.1" }] })] });
    const status = await eventually("clash rejected", async () => {
      const s = (await get("clash")).status;
      return s?.phase === "Failed" && s;
    });
    assert.equal(status.reason, "NodePorts");
    assert.equal(status.message, "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports");
    const events = await eventually("the NodePorts event", async () => (await client.list(EVENTS, "default", { fieldSelector: "involvedObject.name=clash,reason=NodePorts" })).items[0]);
    assert.equal(events.type, "Warning");
    await create("udp", { containers: [sleeper("c", { ports: [{ containerPort: 7001, hostPort: 7001, protocol: "UDP" }] })] });
    await eventually("the UDP pod running beside it", async () => (await get("udp")).status?.phase === "Running");
    await client.delete(PODS, "default", "clash");
    await eventually("the rejected pod deleted", async () => !(await client.list(PODS, "default")).items.some((p) => p.metadata.name === "clash"));
  });
});
