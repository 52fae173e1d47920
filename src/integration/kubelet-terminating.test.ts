import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { PODS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { Kubelet } from "../node/kubelet/kubelet.js";
import type { ContainerConfig, Sandbox, SandboxConfig } from "../node/runtime/runtime.js";
import { ImageCatalog } from "../node/runtime/process/catalog.js";
import { ProcessRuntime } from "../node/runtime/process/process-runtime.js";
import { MemoryStore } from "../store/memory.js";
import { eventually } from "./cluster.js";

const NODE = "proc-1";

/** A process runtime that holds the sandbox of the pod "doomed" until the test opens the gate, and names the pods it was asked for sandboxes and containers of. */
class GatedRuntime extends ProcessRuntime {
  readonly sandboxesAskedFor = new Set<string>();
  readonly containersOf: string[] = [];
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  openGate(): void {
    this.open();
  }

  override async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    this.sandboxesAskedFor.add(config.name);
    if (config.name === "doomed") await this.gate;
    return super.runPodSandbox(config);
  }

  override async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.containersOf.push(this.listPodSandboxes().find((s) => s.id === sandboxId)?.config.name ?? sandboxId);
    return super.createContainer(sandboxId, config);
  }
}

let server: ApiServer;
let client: RestClient;
let kubelet: Kubelet;
let runtime: GatedRuntime;
let stateDir: string;
const stop = new AbortController();
let running: Promise<void>;

before(async () => {
  server = new ApiServer({ store: new MemoryStore(), log: () => {} });
  client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
  stateDir = mkdtempSync(join(tmpdir(), "tug-kubelet-terminating-"));
  runtime = new GatedRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1" });
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

test("Kubelet starts no container in a pod marked for deletion while its sandbox was being created", async () => {
  await client.create(PODS, "default", {
    apiVersion: "v1", kind: "Pod", metadata: { name: "doomed" },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 30, containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] },
  } as KubeObject);
  await eventually("the sandbox requested", async () => runtime.sandboxesAskedFor.has("doomed"));
  await client.delete(PODS, "default", "doomed");
  // The node agent's watch shows events in order: once it asks for the marker's sandbox, it has seen the deletion.
  await client.create(PODS, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "marker" }, spec: { nodeName: NODE, containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } } as KubeObject);
  await eventually("the marker's sandbox requested", async () => runtime.sandboxesAskedFor.has("marker"));
  runtime.openGate();
  await eventually("the pod gone", async () => !(await client.list(PODS, "default")).items.some((p) => p.metadata.name === "doomed"), 20_000);
  assert.ok(!runtime.containersOf.includes("doomed"), "a container created in the pod being deleted");
});
