import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { CONFIGMAPS, EVENTS, PODS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { Kubelet } from "../node/kubelet/kubelet.js";
import { ImageCatalog } from "../node/runtime/process/catalog.js";
import { ProcessRuntime } from "../node/runtime/process/process-runtime.js";
import { MemoryStore } from "../store/memory.js";
import { eventually } from "./cluster.js";

const NODE = "vol-1";

describe("kubelet volumes with the process runtime against the real API server", () => {
  let server: ApiServer;
  let client: RestClient;
  let kubelet: Kubelet;
  let stateDir: string;
  const stop = new AbortController();
  let running: Promise<void>;
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    stateDir = mkdtempSync(join(tmpdir(), "tug-kubelet-volumes-"));
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
  const create = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) => client.create(PODS, "default", {
    apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec },
  } as KubeObject);
  const configMap = (name: string, extra: Record<string, unknown>) => client.create(CONFIGMAPS, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, ...extra });
  /** The container's log: what it printed of the files it reads through its mounts. */
  const log = (pod: string) => {
    const f = kubelet.logFile("default", pod, "c", false);
    return "path" in f ? readFileSync(f.path, "utf8") : "";
  };
  /** The last line the container printed that starts with `prefix` (CRI log lines: time, stream, tag, text). */
  const lastLine = (pod: string, prefix: string) => log(pod).split("\n").map((l) => l.replace(/^\S+ (stdout|stderr) [FP] /, "")).filter((l) => l.startsWith(prefix)).at(-1);

  test("a running pod sees its ConfigMap's change and its own label change in its volumes", async () => {
    await configMap("live", { data: { key: "one" } });
    // Without a pod network the process runtime doesn't bind-mount volumes: the container reads the volume
    // directories the mounts would show, by the pod's uid.
    const vols = "$STATE/pods/$POD_UID/volumes";
    const loop = `while true; do echo "cm=$(cat ${vols}/configmap/cm/key)"; echo "labels=$(tr '\\n' ' ' < ${vols}/downward-api/info/labels)"; sleep 0.1; done`;
    await create("watcher", {
      volumes: [{ name: "cm", configMap: { name: "live" } }, { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } }],
      containers: [{
        name: "c", image: "busybox", command: ["sh", "-c", loop], volumeMounts: [{ name: "cm", mountPath: "/etc/cm" }, { name: "info", mountPath: "/etc/info" }],
        env: [{ name: "STATE", value: stateDir }, { name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } }],
      }],
    }, { app: "a" });
    await eventually("the first contents", async () => lastLine("watcher", "cm=") === "cm=one" && lastLine("watcher", "labels=") === 'labels=app="a"', 20_000).catch((err: unknown) => assert.fail(`${String(err)}: ${log("watcher").slice(-600)}`));
    await client.patch(CONFIGMAPS, "default", "live", "merge", { data: { key: "two" } });
    await client.patch(PODS, "default", "watcher", "merge", { metadata: { labels: { tier: "x" } } });
    await eventually("the changed contents", async () => lastLine("watcher", "cm=") === "cm=two" && lastLine("watcher", "labels=") === 'labels=app="a" tier="x"', 20_000);
    assert.equal((await get("watcher")).status?.containerStatuses?.[0]?.restartCount, 0, "the container was not restarted for it");
  });

  test("configMap volume: binaryData byte for byte, defaultMode and item modes, fsGroup ownership, atomic-writer layout", async () => {
    const bytes = [0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xca, 0xfe];
    await configMap("files", { data: { text: "hello" }, binaryData: { "dump.bin": Buffer.from(bytes).toString("base64") } });
    const created = await create("reader", {
      securityContext: { fsGroup: 1234 },
      volumes: [
        { name: "cm", configMap: { name: "files", defaultMode: 0o400, items: [{ key: "dump.bin", path: "bin/dump.bin", mode: 0o600 }, { key: "text", path: "text" }] } },
        { name: "scratch", emptyDir: {} },
      ],
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "cm", mountPath: "/etc/cm" }, { name: "scratch", mountPath: "/scratch" }] }],
    });
    await eventually("the pod running", async () => (await get("reader")).status?.phase === "Running", 20_000);
    const dir = join(stateDir, "pods", created.metadata.uid!, "volumes", "configmap", "cm");
    assert.deepEqual([...readFileSync(join(dir, "bin/dump.bin"))], bytes);
    assert.match(readlinkSync(join(dir, "..data")), /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    assert.equal(readlinkSync(join(dir, "text")), "..data/text");
    assert.ok(lstatSync(join(dir, "bin")).isSymbolicLink());
    // Group read added by the fsGroup on top of the modes asked for (a read-only volume: no group write).
    assert.equal(statSync(join(dir, "text")).mode & 0o777, 0o440);
    assert.equal(statSync(join(dir, "bin/dump.bin")).mode & 0o777, 0o640);
    assert.equal(statSync(join(dir, "text")).gid, 1234);
    // An emptyDir is writable by the group, and new files inherit it (setgid).
    const scratch = statSync(join(stateDir, "pods", created.metadata.uid!, "volumes", "empty-dir", "scratch"));
    assert.equal(scratch.gid, 1234);
    assert.equal(scratch.mode & 0o2070, 0o2070);
  });

  test("a missing ConfigMap or key: FailedMount with upstream's message, ContainerCreating, unless optional", async () => {
    await configMap("partial", { data: { a: "1" } });
    await create("missing", {
      volumes: [{ name: "gone", configMap: { name: "absent" } }],
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "gone", mountPath: "/etc/gone" }] }],
    });
    await create("nokey", {
      volumes: [{ name: "part", configMap: { name: "partial", items: [{ key: "b", path: "b" }] } }],
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "part", mountPath: "/etc/part" }] }],
    });
    await create("optional", {
      volumes: [{ name: "gone", configMap: { name: "absent", optional: true } }, { name: "part", configMap: { name: "partial", optional: true, items: [{ key: "b", path: "b" }] } }],
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "gone", mountPath: "/etc/gone" }, { name: "part", mountPath: "/etc/part" }] }],
    });
    const message = (pod: string) => eventually(`the FailedMount event of ${pod}`, async () => (await client.list(EVENTS, "default", { fieldSelector: `involvedObject.name=${pod},reason=FailedMount` })).items[0]?.message as string | undefined, 20_000);
    assert.equal(await message("missing"), 'MountVolume.SetUp failed for volume "gone" : configmap "absent" not found');
    assert.equal(await message("nokey"), 'MountVolume.SetUp failed for volume "part" : configmap references non-existent config key: b');
    assert.equal((await get("missing")).status?.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating");
    await eventually("the optional pod running", async () => (await get("optional")).status?.phase === "Running", 20_000);
    await create("token", {
      volumes: [{ name: "api", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 600 } }] } }],
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "api", mountPath: "/var/run/secrets/tokens" }] }],
    });
    // Tugboat serves no TokenRequest (serviceaccounts/<name>/token) yet: the volume fails as upstream's would.
    assert.match(await message("token"), /^MountVolume.SetUp failed for volume "api" : failed to fetch token: /);
    await configMap("absent", { data: { x: "y" } });
    await eventually("the pod running once its ConfigMap exists", async () => (await get("missing")).status?.phase === "Running", 30_000);
  });
});
