import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { Sandbox, SandboxConfig } from "../node/runtime/runtime.js";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { Informer } from "../client/informer.js";
import { EVENTS, PODS } from "../client/resources.js";
import { resourcePath, RestClient } from "../client/rest.js";
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
  /** Every version of every pod the watch showed, oldest first. */
  const history = new Map<string, Pod[]>();
  /** Called on each version as it arrives (to look at the world at that moment). */
  const onVersion: Array<(pod: Pod) => void> = [];
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    stateDir = mkdtempSync(join(tmpdir(), "tug-kubelet-"));
    const runtime = new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1" });
    kubelet = new Kubelet(client, { nodeName: NODE, runtime, stateDir, hostIP: "127.0.0.1", kubeletPort: 0, cpu: "4", memory: "8Gi" });
    const pods = new Informer(client, { resource: PODS });
    const record = (o: KubeObject) => {
      const pod = o as unknown as Pod;
      history.set(o.metadata.name!, [...(history.get(o.metadata.name!) ?? []), pod]);
      for (const f of onVersion) f(pod);
    };
    pods.on({ add: record, update: (_o, n) => record(n) });
    running = Promise.all([kubelet.run(stop.signal), pods.run(stop.signal)]).then(() => undefined);
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

  const waitingReasons = (name: string, init = false) => (history.get(name) ?? [])
    .flatMap((p) => ((init ? p.status?.initContainerStatuses : p.status?.containerStatuses) ?? []).map((c) => c.state?.waiting?.reason))
    .filter((r): r is string => r !== undefined);

  test("status: a starting container is waiting in ContainerCreating before it runs", async () => {
    await create("starting", { containers: [sleeper("c")] });
    await eventually("starting running", async () => (await get("starting")).status?.phase === "Running");
    assert.ok(waitingReasons("starting").includes("ContainerCreating"), JSON.stringify(waitingReasons("starting")));
  });

  test("status: containers wait in PodInitializing while init containers run; a completed init container is ready", async () => {
    await create("initialized", { initContainers: [{ name: "init", image: "busybox", command: ["sh", "-c", "sleep 0.3"] }], containers: [sleeper("c")] });
    const pod = await eventually("initialized running", async () => {
      const p = await get("initialized");
      return p.status?.phase === "Running" && p;
    });
    assert.ok(waitingReasons("initialized").includes("PodInitializing"), JSON.stringify(waitingReasons("initialized")));
    assert.ok(!waitingReasons("initialized").includes("ContainerCreating"));
    const init = pod.status!.initContainerStatuses![0]!;
    assert.deepEqual([init.state?.terminated?.exitCode, init.ready], [0, true]);
  });

  test("pod removal: once the pod is gone from the API, its pod and log directories are removed", async () => {
    await create("removed", { volumes: [{ name: "scratch", emptyDir: {} }], containers: [sleeper("c", { volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] })] });
    const pod = await eventually("removed running", async () => {
      const p = await get("removed");
      return p.status?.phase === "Running" && p;
    });
    const uid = pod.metadata!.uid!;
    const podDir = join(stateDir, "pods", uid);
    const logDir = join(stateDir, "logs", `default_removed_${uid}`);
    assert.ok(existsSync(podDir) && existsSync(logDir));
    await client.delete(PODS, "default", "removed", { gracePeriodSeconds: 0 });
    await eventually("the pod's directories removed", async () => !existsSync(podDir) && !existsSync(logDir));
  });

  test("postStart exec hook: the container is not Running until the hook has returned", async () => {
    const marker = join(stateDir, "post-start-marker");
    let runningBeforeHook = false;
    onVersion.push((p) => {
      if (p.metadata?.name === "hooked" && p.status?.containerStatuses?.[0]?.state?.running && !existsSync(marker)) runningBeforeHook = true;
    });
    await create("hooked", { containers: [sleeper("c", { lifecycle: { postStart: { exec: { command: ["sh", "-c", `sleep 0.5; touch ${marker}`] } } } })] });
    await eventually("hooked running", async () => (await get("hooked")).status?.phase === "Running");
    assert.ok(existsSync(marker), "the hook ran");
    assert.equal(runningBeforeHook, false, "reported Running before the hook returned");
    assert.ok(waitingReasons("hooked").includes("ContainerCreating"));
  });

  test("postStart exec hook that fails: Warning FailedPostStartHook, the container is killed, the restart policy applies", async () => {
    await create("hook-fails", { restartPolicy: "Never", containers: [sleeper("c", { lifecycle: { postStart: { exec: { command: ["sh", "-c", "exit 3"] } } } })] });
    await eventually("hook-fails Failed", async () => (await get("hook-fails")).status?.phase === "Failed");
    const event = await eventually("the FailedPostStartHook event", async () => (await client.list(EVENTS, "default", { fieldSelector: "involvedObject.name=hook-fails,reason=FailedPostStartHook" })).items[0]);
    assert.deepEqual([event.type, event.message], ["Warning", "PostStartHook failed"]);
    assert.ok(!(history.get("hook-fails") ?? []).some((p) => p.status?.containerStatuses?.[0]?.state?.running), "never reported Running");
  });

  test("eviction: the node agent ends the evicted pod Failed and keeps its DisruptionTarget condition", async () => {
    await client.create(PODS, "default", {
      apiVersion: "v1", kind: "Pod", metadata: { name: "evicted", finalizers: ["tugboat.test/hold"] },
      spec: { nodeName: NODE, restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [sleeper("c")] },
    } as KubeObject);
    await eventually("evicted running", async () => (await get("evicted")).status?.phase === "Running");
    await client.call("POST", resourcePath(PODS, "default", "evicted", "eviction"), { body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "evicted" } } });
    const status = await eventually("evicted Failed", async () => {
      const s = (await get("evicted")).status;
      return s?.phase === "Failed" && s;
    });
    const target = status.conditions?.find((c) => c.type === "DisruptionTarget");
    assert.deepEqual([target?.status, target?.reason], ["True", "EvictionByEvictionAPI"]);
    await client.patch(PODS, "default", "evicted", "merge", { metadata: { finalizers: null } });
  });
});

describe("node agent pod workers", () => {
  test("Kubelet syncs every pod at once: 40 pods' sandboxes are all being created together, none queued behind another", async () => {
    const server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    const client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    const stateDir = mkdtempSync(join(tmpdir(), "tug-kubelet-workers-"));
    const PODS_AT_ONCE = 40;
    let inFlight = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    /** Each sandbox waits until every pod's sandbox is being created: with fewer workers than pods, none ever is. */
    class GatedRuntime extends ProcessRuntime {
      override async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
        if (++inFlight === PODS_AT_ONCE) open();
        await gate;
        return super.runPodSandbox(config);
      }
    }
    const runtime = new GatedRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1" });
    const kubelet = new Kubelet(client, { nodeName: "workers-1", runtime, stateDir, hostIP: "127.0.0.1", kubeletPort: 0, cpu: "4", memory: "8Gi" });
    const stop = new AbortController();
    const running = kubelet.run(stop.signal);
    try {
      await Promise.all(Array.from({ length: PODS_AT_ONCE }, (_, i) => client.create(PODS, "default", {
        apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}` },
        spec: { nodeName: "workers-1", terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] },
      } as KubeObject)));
      await eventually("every pod's sandbox being created at once", async () => inFlight >= PODS_AT_ONCE, 30_000);
    } finally {
      open();
      await kubelet.shutdown(0);
      stop.abort();
      await running;
      client.close();
      await server.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
