import assert from "node:assert/strict";
import { PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, isRunning, runToEnd, shPod, waitForPod } from "../core-kit.js";

/** Upstream's common/node/downwardapi.go (environment) and expansion.go (variable and subPathExpr expansion). */

const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
const resource = (name: string, res: string) => ({ name, valueFrom: { resourceFieldRef: { containerName: "main", resource: res } } });

/** Runs `env` directly (see config-and-events.ts: the host's sh drops names that are not identifiers) and returns its lines. */
async function envLines(ctx: ConformanceContext, name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): Promise<string[]> {
  const { pod, logs } = await runToEnd(ctx, shPod(name, "", { container: { command: ["env"], ...container }, spec }));
  assert.equal(pod.status?.phase, "Succeeded", logs);
  return logs.split("\n");
}

function expectEnv(lines: string[], want: Array<string | RegExp>): void {
  const missing = want.filter((w) => !lines.some((l) => (typeof w === "string" ? l === w : w.test(l))));
  assert.deepEqual(missing.map(String), [], `missing from the environment:\n${lines.join("\n")}`);
}

/** A pod whose container mounts an emptyDir twice: whole at /volume_mount, and at `subPathExpr` under /subpath_mount. */
function subPathPod(name: string, subPathExpr: string, script: string, env: Array<Record<string, unknown>> = [field("POD_NAME", "metadata.name")]): Pod {
  return shPod(name, script, {
    spec: { volumes: [{ name: "workdir1", emptyDir: {} }] },
    container: { env, volumeMounts: [{ name: "workdir1", mountPath: "/subpath_mount", subPathExpr }, { name: "workdir1", mountPath: "/volume_mount" }] },
  });
}

/** Waits until the pod's container is refused with CreateContainerConfigError (a bad subPathExpr) and never runs. */
async function refusedToStart(ctx: ConformanceContext, pod: Pod): Promise<void> {
  await ctx.client.create(PODS, ctx.namespace, pod);
  const p = await waitForPod(ctx, pod.metadata.name!, "to be refused with CreateContainerConfigError", (x) => (x.status?.containerStatuses?.[0]?.state?.waiting as { reason?: string } | undefined)?.reason === "CreateContainerConfigError", 10_000);
  assert.ok(!isRunning(p));
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] Downward API should provide pod name, namespace and IP address as env vars [NodeConformance] [Conformance]",
    async run(ctx) {
      const lines = await envLines(ctx, "downward-api-names", { env: [field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"), field("POD_IP", "status.podIP")] });
      expectEnv(lines, ["POD_NAME=downward-api-names", `POD_NAMESPACE=${ctx.namespace}`, /^POD_IP=\d+\.\d+\.\d+\.\d+$/]);
    },
  },
  {
    codename: "[sig-node] Downward API should provide host IP as an env var [NodeConformance] [Conformance]",
    run: async (ctx) => expectEnv(await envLines(ctx, "downward-api-hostip", { env: [field("HOST_IP", "status.hostIP")] }), [/^HOST_IP=\d+\.\d+\.\d+\.\d+$/]),
  },
  {
    codename: "[sig-node] Downward API should provide pod UID as env vars [NodeConformance] [Conformance]",
    run: async (ctx) => expectEnv(await envLines(ctx, "downward-api-uid", { env: [field("POD_UID", "metadata.uid")] }), [/^POD_UID=[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}$/]),
  },
  {
    codename: "[sig-node] Downward API should provide container's limits.cpu/memory and requests.cpu/memory as env vars [NodeConformance] [Conformance]",
    async run(ctx) {
      const lines = await envLines(ctx, "downward-api-resources", {
        resources: { limits: { cpu: "1250m", memory: "64Mi" }, requests: { cpu: "250m", memory: "32Mi" } },
        env: [resource("CPU_LIMIT", "limits.cpu"), resource("MEMORY_LIMIT", "limits.memory"), resource("CPU_REQUEST", "requests.cpu"), resource("MEMORY_REQUEST", "requests.memory")],
      });
      expectEnv(lines, ["CPU_LIMIT=2", "MEMORY_LIMIT=67108864", "CPU_REQUEST=1", "MEMORY_REQUEST=33554432"]);
    },
  },
  {
    codename: "[sig-node] Downward API should provide default limits.cpu/memory from node allocatable [NodeConformance] [Conformance]",
    async run(ctx) {
      const lines = await envLines(ctx, "downward-api-defaults", { env: [resource("CPU_LIMIT", "limits.cpu"), resource("MEMORY_LIMIT", "limits.memory")] });
      expectEnv(lines, [/^CPU_LIMIT=[1-9]\d*$/, /^MEMORY_LIMIT=[1-9]\d*$/]);
    },
  },
  {
    codename: "[sig-node] Variable Expansion should allow composing env vars into new env vars [NodeConformance] [Conformance]",
    async run(ctx) {
      const lines = await envLines(ctx, "var-expansion", { env: [{ name: "FOO", value: "foo-value" }, { name: "BAR", value: "bar-value" }, { name: "FOOBAR", value: "$(FOO);;$(BAR)" }] });
      expectEnv(lines, ["FOO=foo-value", "BAR=bar-value", "FOOBAR=foo-value;;bar-value"]);
    },
  },
  {
    codename: "[sig-node] Variable Expansion should allow substituting values in a container's command [NodeConformance] [Conformance]",
    async run(ctx) {
      const { logs } = await runToEnd(ctx, shPod("var-expansion", "", { container: { command: ["sh", "-c", "echo test-value is now $(TEST_VAR)"], env: [{ name: "TEST_VAR", value: "test-value" }] } }));
      assert.equal(logs.trim(), "test-value is now test-value");
    },
  },
  {
    codename: "[sig-node] Variable Expansion should allow substituting values in a container's args [NodeConformance] [Conformance]",
    async run(ctx) {
      const { logs } = await runToEnd(ctx, shPod("var-expansion", "", { container: { command: ["sh", "-c"], args: ["echo test-value is now $(TEST_VAR)"], env: [{ name: "TEST_VAR", value: "test-value" }] } }));
      assert.equal(logs.trim(), "test-value is now test-value");
    },
  },
  {
    codename: "[sig-node] Variable Expansion should allow substituting values in a volume subpath [Conformance]",
    async run(ctx) {
      const { pod, logs } = await runToEnd(ctx, subPathPod("var-expansion", "$(POD_NAME)", "test -d /volume_mount/var-expansion && echo subpath-ok"));
      assert.equal(pod.status?.phase, "Succeeded", logs);
      assert.equal(logs.trim(), "subpath-ok");
    },
  },
  {
    codename: "[sig-node] Variable Expansion should fail substituting values in a volume subpath with absolute path [Conformance]",
    run: (ctx) => refusedToStart(ctx, subPathPod("var-expansion", "$(ABSOLUTE)", "sleep 600", [{ name: "ABSOLUTE", value: "/tmp" }])),
  },
  {
    codename: "[sig-node] Variable Expansion should fail substituting values in a volume subpath with backticks [Conformance]",
    // As upstream's test (expansion.go), whatever its name says: POD_NAME is "..", refused as a backstep.
    run: (ctx) => refusedToStart(ctx, subPathPod("var-expansion", "$(POD_NAME)", "sleep 600", [{ name: "POD_NAME", value: ".." }])),
  },
  {
    codename: "[sig-node] Variable Expansion should succeed in writing subpaths in container [Conformance]",
    async run(ctx) {
      const script = "echo written > /subpath_mount/test.log && test \"$(cat /volume_mount/mypath/foo/test.log)\" = written && echo subpath-write-ok";
      const env = [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mysubpath']" } } }];
      const pod = subPathPod("var-expansion", "$(POD_NAME)", script, env);
      pod.metadata.annotations = { mysubpath: "mypath/foo" };
      const { pod: done, logs } = await runToEnd(ctx, pod);
      assert.equal(done.status?.phase, "Succeeded", logs);
      assert.equal(logs.trim(), "subpath-write-ok");
    },
  },
  {
    codename: "[sig-node] Variable Expansion should verify that a failing subpath expansion can be modified during the lifecycle of a container [Slow] [Conformance]",
    async run(ctx) {
      const env = [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mysubpath']" } } }];
      const pod = subPathPod("var-expansion", "$(POD_NAME)", "sleep 600", env);
      pod.metadata.annotations = { notmysubpath: "mypath" };
      pod.spec.restartPolicy = "Always";
      await refusedToStart(ctx, pod);
      await ctx.client.patch(PODS, ctx.namespace, "var-expansion", "merge", { metadata: { annotations: { mysubpath: "mypath" } } });
      await waitForPod(ctx, "var-expansion", "to start once the annotation exists", isRunning, 60_000);
    },
  },
];
