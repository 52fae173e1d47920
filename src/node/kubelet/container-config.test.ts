import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import { FakeClock } from "../../client/clock.js";
import type { Image } from "../runtime/runtime.js";
import { containerConfig, type ContainerConfigDeps } from "./container-config.js";
import { parseResolvConf } from "./dns-files.js";

const deps: ContainerConfigDeps = {
  clock: new FakeClock(), hostIP: "10.0.0.1", nodeCpu: "2", nodeMemory: "4Gi", hostResolv: parseResolvConf("nameserver 10.0.0.2\n"),
  fetch: async () => undefined, services: () => [], claimPath: async () => undefined,
};
const image: Image = { ref: "busybox", id: "sha256:1", size: 1, entrypoint: [], cmd: ["sh"], env: {} };

test("containerConfig: a pod's second container leaves the /etc/hosts its sibling already reads untouched (no truncate and rewrite)", async () => {
  const podDir = mkdtempSync(join(tmpdir(), "container-config-"));
  try {
    for (const hostNetwork of [false, true]) {
      const pod: Pod = { metadata: { name: "p", namespace: "default", uid: "u" }, spec: { hostNetwork, containers: [{ name: "a" }, { name: "b" }] } };
      const first = await containerConfig(deps, pod, pod.spec!.containers[0]!, image, podDir, "10.88.0.5");
      const hosts = first.mounts.find((m) => m.containerPath === "/etc/hosts")!.hostPath;
      const text = readFileSync(hosts, "utf8");
      assert.match(text, /^# Kubernetes-managed hosts file/);
      const past = new Date(Date.now() - 60_000);
      utimesSync(hosts, past, past);
      await containerConfig(deps, pod, pod.spec!.containers[1]!, image, podDir, "10.88.0.5");
      assert.equal(Math.round(statSync(hosts).mtimeMs), past.getTime(), `the file was written again (hostNetwork ${hostNetwork})`);
      assert.equal(readFileSync(hosts, "utf8"), text);
    }
  } finally {
    rmSync(podDir, { recursive: true, force: true });
  }
});
