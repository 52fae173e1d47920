import assert from "node:assert/strict";
import { CONFIGMAPS, PODS, SECRETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { RCS, type Pod, isDone, isRunning, podLogs, runToEnd, shPod, startPod, waitFor, waitForPod } from "../core-kit.js";
import { content, expectOutput, readVolumes } from "../volume-kit.js";

/** Upstream's common/storage/empty_dir.go, storage/empty_dir_wrapper.go and storage/subpath.go (atomic writer volumes). */


const perms: Record<string, string> = { "0644": "-rw-r--r--", "0666": "-rw-rw-rw-", "0777": "-rwxrwxrwx" };

/** Upstream's mounttest: a new file of the given mode in the volume, its content and mode, and the volume's fs type. */
async function newFile(ctx: ConformanceContext, user: "root" | "non-root", fileMode: string, medium: "default" | "tmpfs"): Promise<void> {
  const f = "/test-volume/test-file";
  const logs = await readVolumes(ctx, "pod-emptydir", {
    volumes: [{ name: "test-volume", emptyDir: medium === "tmpfs" ? { medium: "Memory" } : {} }],
    mounts: [{ name: "test-volume", mountPath: "/test-volume" }],
    before: `echo mount-tester new file > ${f}; chmod ${fileMode} ${f}; echo "mount type of /test-volume: $(awk '$2 == "/test-volume" {print $3}' /proc/mounts)"; echo "uid: $(id -u)"`,
    files: [f],
    podSecurity: user === "non-root" ? { runAsUser: 1001 } : undefined,
  });
  expectOutput(logs, [content(f, "mount-tester new file"), `mode of file "${f}": ${perms[fileMode]}`, `uid: ${user === "root" ? 0 : 1001}`]);
  if (medium === "tmpfs") expectOutput(logs, ["mount type of /test-volume: tmpfs"]);
}

async function dirMode(ctx: ConformanceContext, medium: "default" | "tmpfs"): Promise<void> {
  const logs = await readVolumes(ctx, "pod-emptydir-mode", {
    volumes: [{ name: "test-volume", emptyDir: medium === "tmpfs" ? { medium: "Memory" } : {} }],
    mounts: [{ name: "test-volume", mountPath: "/test-volume" }],
    before: `echo "perms of /test-volume: $(stat -c %A /test-volume)"; echo "mount type of /test-volume: $(awk '$2 == "/test-volume" {print $3}' /proc/mounts)"`,
    files: [],
  });
  expectOutput(logs, ["perms of /test-volume: drwxrwxrwx"]);
  if (medium === "tmpfs") expectOutput(logs, ["mount type of /test-volume: tmpfs"]);
}

const combos: ConformanceCase[] = [];
for (const user of ["non-root", "root"] as const) {
  for (const fileMode of ["0644", "0666", "0777"]) {
    for (const medium of ["default", "tmpfs"] as const) {
      combos.push({
        codename: `[sig-storage] EmptyDir volumes should support (${user},${fileMode},${medium}) [LinuxOnly] [NodeConformance] [Conformance]`,
        run: (ctx) => newFile(ctx, user, fileMode, medium),
      });
    }
  }
}

/** A pod reading, through a subPath mount of `volume`, the file `file` at the mount. */
async function subPathRead(ctx: ConformanceContext, volume: Record<string, unknown>, subPath: string, mountPath: string, want: string): Promise<void> {
  const { pod, logs } = await runToEnd(ctx, shPod("pod-subpath-test", `cat ${mountPath}`, { spec: { volumes: [volume] }, container: { volumeMounts: [{ name: "test-volume", mountPath, subPath }] } }));
  assert.equal(pod.status?.phase, "Succeeded", logs);
  assert.equal(logs.trim(), want);
}

async function withConfigMap(ctx: ConformanceContext): Promise<void> {
  await ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "my-configmap" }, data: { "configmap-key": "configmap-value" } });
}

export const cases: ConformanceCase[] = [
  ...combos,
  {
    codename: "[sig-storage] EmptyDir volumes volume on default medium should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]",
    run: (ctx) => dirMode(ctx, "default"),
  },
  {
    codename: "[sig-storage] EmptyDir volumes volume on tmpfs should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]",
    run: (ctx) => dirMode(ctx, "tmpfs"),
  },
  {
    codename: "[sig-storage] EmptyDir volumes pod should support shared volumes between containers [Conformance]",
    async run(ctx) {
      const file = "/usr/share/volumeshare/shareddata.txt";
      const mounts = [{ name: "shared-data", mountPath: "/usr/share/volumeshare" }];
      const pod: Pod = {
        apiVersion: "v1", kind: "Pod", metadata: { name: "pod-sharedvolume" },
        spec: {
          restartPolicy: "Never", volumes: [{ name: "shared-data", emptyDir: {} }],
          containers: [
            { name: "busybox-main-container", image: "busybox", command: ["sh", "-c", `until [ -s ${file} ]; do sleep 0.1; done; cat ${file}`], volumeMounts: mounts },
            { name: "busybox-sub-container", image: "busybox", command: ["sh", "-c", `echo 'Hello from the busy-box sub-container' > ${file}`], volumeMounts: mounts },
          ],
        },
      };
      await ctx.client.create(PODS, ctx.namespace, pod);
      await waitForPod(ctx, "pod-sharedvolume", "to finish", isDone);
      assert.equal((await podLogs(ctx, "pod-sharedvolume", "busybox-main-container")).trim(), "Hello from the busy-box sub-container");
    },
  },
  {
    codename: "[sig-storage] EmptyDir wrapper volumes should not conflict [Conformance]",
    async run(ctx) {
      await ctx.client.create(SECRETS, ctx.namespace, { apiVersion: "v1", kind: "Secret", metadata: { name: "wrapped-volume-race-secret" }, data: { "data-1": Buffer.from("value-1").toString("base64") } });
      await withConfigMap(ctx);
      const pod = shPod("pod-secrets", "cat /etc/secret-volume/data-1 /etc/configmap-volume/configmap-key; echo; sleep 600", {
        spec: { restartPolicy: "Always", volumes: [{ name: "secret-volume", secret: { secretName: "wrapped-volume-race-secret" } }, { name: "configmap-volume", configMap: { name: "my-configmap" } }] },
        container: { volumeMounts: [{ name: "secret-volume", mountPath: "/etc/secret-volume", readOnly: true }, { name: "configmap-volume", mountPath: "/etc/configmap-volume", readOnly: true }] },
      });
      await startPod(ctx, pod);
      await waitFor("both volumes read", async () => (await podLogs(ctx, "pod-secrets")).includes("value-1configmap-value"));
    },
  },
  {
    codename: "[sig-storage] EmptyDir wrapper volumes should not cause race condition when used for configmaps [Serial] [Conformance]",
    async run(ctx) {
      const n = 50;
      await Promise.all(Array.from({ length: n }, (_, i) => ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `racey-configmap-${i}` }, data: { "data-1": "value-1" } })));
      const volumes = Array.from({ length: n }, (_, i) => ({ name: `racey-configmap-${i}`, configMap: { name: `racey-configmap-${i}`, items: [{ key: "data-1", path: "data-1" }] } }));
      const volumeMounts = volumes.map((v) => ({ name: v.name, mountPath: `/etc/config-${v.name}` }));
      const labels = { name: "wrapped-volume-race" };
      await ctx.client.create(RCS, ctx.namespace, {
        apiVersion: "v1", kind: "ReplicationController", metadata: { name: "wrapped-volume-race" },
        spec: { replicas: 5, selector: labels, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, volumes, containers: [{ name: "test-container", image: "registry.k8s.io/pause:3.9", volumeMounts }] } } },
      });
      await waitFor("five running pods", async () => (await ctx.client.list<Pod>(PODS, ctx.namespace, { labelSelector: "name=wrapped-volume-race" })).items.filter(isRunning).length === 5, 60_000);
    },
  },
  {
    codename: "[sig-storage] Subpath Atomic writer volumes should support subpaths with configmap pod [Conformance]",
    async run(ctx) {
      await withConfigMap(ctx);
      await subPathRead(ctx, { name: "test-volume", configMap: { name: "my-configmap" } }, "configmap-key", "/test-volume", "configmap-value");
    },
  },
  {
    codename: "[sig-storage] Subpath Atomic writer volumes should support subpaths with configmap pod with mountPath of existing file [Conformance]",
    async run(ctx) {
      await withConfigMap(ctx);
      await subPathRead(ctx, { name: "test-volume", configMap: { name: "my-configmap" } }, "configmap-key", "/etc/resolv.conf", "configmap-value");
    },
  },
  {
    codename: "[sig-storage] Subpath Atomic writer volumes should support subpaths with secret pod [Conformance]",
    async run(ctx) {
      await ctx.client.create(SECRETS, ctx.namespace, { apiVersion: "v1", kind: "Secret", metadata: { name: "my-secret" }, data: { "secret-key": Buffer.from("secret-value").toString("base64") } });
      await subPathRead(ctx, { name: "test-volume", secret: { secretName: "my-secret" } }, "secret-key", "/test-volume", "secret-value");
    },
  },
  {
    codename: "[sig-storage] Subpath Atomic writer volumes should support subpaths with downward pod [Conformance]",
    run: (ctx) => subPathRead(ctx, { name: "test-volume", downwardAPI: { items: [{ path: "downward/podname", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } }] } }, "downward/podname", "/test-volume", "pod-subpath-test"),
  },
  {
    codename: "[sig-storage] Subpath Atomic writer volumes should support subpaths with projected pod [Conformance]",
    async run(ctx) {
      await withConfigMap(ctx);
      await subPathRead(ctx, { name: "test-volume", projected: { sources: [{ configMap: { name: "my-configmap", items: [{ key: "configmap-key", path: "projected/configmap-key" }] } }] } }, "projected/configmap-key", "/test-volume", "configmap-value");
    },
  },
];
