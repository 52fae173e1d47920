import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, isRunning, podLogs, runToEnd, shPod, startPod, waitFor, waitForPod, waitGone, webPod } from "../core-kit.js";

/**
 * Upstream's common/node lifecycle_hook.go, runtime.go, containers.go, init_container.go, kubelet.go
 * and kubelet_etc_hosts.go.
 */

type State = Record<string, Record<string, unknown>>;
const state = (p: Pod, i = 0): State => p.status?.containerStatuses?.[i]?.state ?? {};
const terminated = (p: Pod, i = 0) => state(p, i).terminated as { exitCode?: number; reason?: string; message?: string } | undefined;

/** A handler pod (the demo app logs every request) and its IP: what hooks call, as agnhost netexec is upstream. */
async function handler(ctx: ConformanceContext): Promise<string> {
  return (await startPod(ctx, webPod("pod-handle-http-request"))).status!.podIP!;
}

const handled = (ctx: ConformanceContext, line: string) =>
  waitFor(`the handler to log ${line}`, async () => (await podLogs(ctx, "pod-handle-http-request")).includes(line), 10_000);

function hooked(lifecycle: Record<string, unknown>): Pod {
  return shPod("pod-with-hook", "sleep 600", { spec: { restartPolicy: "Always", terminationGracePeriodSeconds: 15 }, container: { lifecycle } });
}

/** Upstream's entrypoint-tester image: prints `[argv0 args…]` of what it ran; registered as a user image. */
const ENTRYPOINT_TESTER = "e2e.tugboat.local/entrypoint-tester:1.0";
const PRINT_ARGV = 'echo "[$0${*:+ $*}]"';
function registerEntrypointTester(ctx: ConformanceContext): void {
  writeFileSync(join(ctx.cluster.dataDir, "images.yaml"), `- image: ${ENTRYPOINT_TESTER}\n  command: [sh, -c, '${PRINT_ARGV}', /ep]\n  args: [default, arguments]\n`);
}

async function entrypointOutput(ctx: ConformanceContext, container: Record<string, unknown>): Promise<string> {
  registerEntrypointTester(ctx);
  const { pod, logs } = await runToEnd(ctx, shPod("client-containers", "", { container: { image: ENTRYPOINT_TESTER, command: undefined, ...container } }));
  assert.equal(pod.status?.phase, "Succeeded", logs);
  return logs.trim();
}

async function terminationMessage(ctx: ConformanceContext, container: Record<string, unknown>, phase: string): Promise<string | undefined> {
  const { pod } = await runToEnd(ctx, shPod("termination-message-container", "", { container }));
  assert.equal(pod.status?.phase, phase);
  return terminated(pod)?.message;
}

const hookCases: ConformanceCase[] = [
  ["exec", "poststart", (ip: string) => ({ postStart: { exec: { command: ["sh", "-c", `wget -q -O - http://${ip}:80/echo?msg=poststart`] } } })],
  ["http", "poststart", (ip: string) => ({ postStart: { httpGet: { host: ip, port: 80, path: "/echo?msg=poststart" } } })],
  ["exec", "prestop", (ip: string) => ({ preStop: { exec: { command: ["sh", "-c", `wget -q -O - http://${ip}:80/echo?msg=prestop`] } } })],
  ["http", "prestop", (ip: string) => ({ preStop: { httpGet: { host: ip, port: 80, path: "/echo?msg=prestop" } } })],
].map(([kind, hook, lifecycle]) => ({
  codename: `[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute ${String(hook)} ${String(kind)} hook properly [NodeConformance] [Conformance]`,
  async run(ctx: ConformanceContext) {
    const ip = await handler(ctx);
    await startPod(ctx, hooked((lifecycle as (ip: string) => Record<string, unknown>)(ip)));
    if (hook === "poststart") {
      await handled(ctx, "GET /echo?msg=poststart");
    } else {
      await ctx.client.delete(PODS, ctx.namespace, "pod-with-hook");
      await handled(ctx, "GET /echo?msg=prestop");
    }
    await ctx.client.delete(PODS, ctx.namespace, "pod-with-hook").catch(() => {});
    await waitGone(ctx, PODS, "pod-with-hook");
  },
}));

const RESTART_SCRIPT = "f=/restart-count/restartCount; echo hello >> $f; count=$(wc -l < $f); if [ $count -eq 1 ]; then exit 1; fi; if [ $count -eq 2 ]; then exit 0; fi; while true; do sleep 1; done";

export const cases: ConformanceCase[] = [
  ...hookCases,
  {
    codename: "[sig-node] Container Runtime blackbox test when starting a container that exits should run with the expected status [NodeConformance] [Conformance]",
    async run(ctx) {
      const expect: Array<[string, string, number, string, boolean, string]> = [
        ["terminate-cmd-rpa", "Always", 2, "Running", true, "running"],
        ["terminate-cmd-rpof", "OnFailure", 1, "Succeeded", false, "terminated"],
        ["terminate-cmd-rpn", "Never", 0, "Failed", false, "terminated"],
      ];
      for (const [name, policy] of expect) {
        await ctx.client.create(PODS, ctx.namespace, shPod(name, RESTART_SCRIPT, {
          spec: { restartPolicy: policy, volumes: [{ name: "restart-count", emptyDir: {} }] },
          container: { volumeMounts: [{ name: "restart-count", mountPath: "/restart-count" }] },
        }));
      }
      for (const [name, , count, phase, ready, st] of expect) {
        const p = await waitForPod(ctx, name, `to reach ${phase} with ${count} restarts`, (x) => x.status?.phase === phase && (x.status.containerStatuses?.[0]?.restartCount ?? -1) === count && !!state(x)[st], 90_000);
        assert.equal(p.status?.containerStatuses?.[0]?.ready, ready, `${name} ready`);
      }
    },
  },
  {
    codename: "[sig-node] Container Runtime blackbox test on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]",
    knownFailure: "issue 21: terminationMessagePolicy FallbackToLogsOnError into state.terminated.message",
    async run(ctx) {
      assert.equal(await terminationMessage(ctx, { command: ["sh", "-c", "echo -n DONE; /bin/false"], terminationMessagePolicy: "FallbackToLogsOnError" }, "Failed"), "DONE");
    },
  },
  {
    codename: "[sig-node] Container Runtime blackbox test on terminated container should report termination message as empty when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]",
    async run(ctx) {
      assert.ok(!(await terminationMessage(ctx, { command: ["sh", "-c", "echo -n OK"], terminationMessagePolicy: "FallbackToLogsOnError" }, "Succeeded")), "no message for a container that succeeds");
    },
  },
  {
    codename: "[sig-node] Container Runtime blackbox test on terminated container should report termination message from file when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]",
    knownFailure: "issue 21: termination messages from terminationMessagePath",
    async run(ctx) {
      assert.equal(await terminationMessage(ctx, { command: ["sh", "-c", "echo -n OK > /dev/termination-log"], terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "FallbackToLogsOnError" }, "Succeeded"), "OK");
    },
  },
  {
    codename: "[sig-node] Container Runtime blackbox test on terminated container should report termination message if TerminationMessagePath is set as non-root user and at a non-default path [NodeConformance] [Conformance]",
    knownFailure: "issue 21: termination messages from terminationMessagePath",
    async run(ctx) {
      assert.equal(await terminationMessage(ctx, { command: ["sh", "-c", "echo -n DONE > /dev/termination-custom-log"], terminationMessagePath: "/dev/termination-custom-log", securityContext: { runAsUser: 1000 } }, "Succeeded"), "DONE");
    },
  },
  {
    codename: "[sig-node] Containers should use the image defaults if command and args are blank [NodeConformance] [Conformance]",
    run: async (ctx) => assert.equal(await entrypointOutput(ctx, {}), "[/ep default arguments]"),
  },
  {
    codename: "[sig-node] Containers should be able to override the image's default arguments (container cmd) [NodeConformance] [Conformance]",
    run: async (ctx) => assert.equal(await entrypointOutput(ctx, { args: ["override", "arguments"] }), "[/ep override arguments]"),
  },
  {
    codename: "[sig-node] Containers should be able to override the image's default command (container entrypoint) [NodeConformance] [Conformance]",
    run: async (ctx) => assert.equal(await entrypointOutput(ctx, { command: ["sh", "-c", PRINT_ARGV, "/ep-2"] }), "[/ep-2]"),
  },
  {
    codename: "[sig-node] Containers should be able to override the image's default command and arguments [NodeConformance] [Conformance]",
    run: async (ctx) => assert.equal(await entrypointOutput(ctx, { command: ["sh", "-c", PRINT_ARGV, "/ep-2"], args: ["override", "arguments"] }), "[/ep-2 override arguments]"),
  },
  {
    codename: "[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartNever pod [Conformance]",
    async run(ctx) {
      const { pod } = await runToEnd(ctx, { ...shPod("pod-init", "true"), spec: { restartPolicy: "Never", initContainers: [{ name: "init1", image: "busybox", command: ["/bin/true"] }, { name: "init2", image: "busybox", command: ["/bin/true"] }], containers: [{ name: "run1", image: "busybox", command: ["/bin/true"] }] } });
      assert.equal(pod.status?.phase, "Succeeded");
      for (const s of pod.status?.initContainerStatuses ?? []) assert.equal((s.state?.terminated as { reason?: string })?.reason, "Completed", `${s.name} completed`);
      assert.equal(pod.status?.initContainerStatuses?.length, 2);
    },
  },
  {
    codename: "[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartAlways pod [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, { ...shPod("pod-init", "true"), spec: { restartPolicy: "Always", initContainers: [{ name: "init1", image: "busybox", command: ["/bin/true"] }, { name: "init2", image: "busybox", command: ["/bin/true"] }], containers: [{ name: "run1", image: "registry.k8s.io/pause:3.9" }] } });
      const pod = await waitForPod(ctx, "pod-init", "to run after its init containers", isRunning);
      assert.ok(pod.status?.conditions?.some((c) => c.type === "Initialized" && c.status === "True"), "Initialized");
      for (const s of pod.status?.initContainerStatuses ?? []) assert.equal((s.state?.terminated as { reason?: string })?.reason, "Completed", `${s.name} completed`);
    },
  },
  {
    codename: "[sig-node] InitContainer [NodeConformance] should not start app containers and fail the pod if init containers fail on a RestartNever pod [Conformance]",
    knownFailure: "issue 21: when an init container fails under restartPolicy Never the Initialized condition stays False and the pod is Failed",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, { ...shPod("pod-init", "true"), spec: { restartPolicy: "Never", initContainers: [{ name: "init1", image: "busybox", command: ["/bin/true"] }, { name: "init2", image: "busybox", command: ["/bin/false"] }], containers: [{ name: "run1", image: "busybox", command: ["/bin/true"] }] } });
      const pod = await waitForPod(ctx, "pod-init", "to fail", (p) => p.status?.phase === "Failed", 30_000);
      const initialized = pod.status?.conditions?.find((c) => c.type === "Initialized");
      assert.equal(initialized?.status, "False", "not Initialized");
      assert.equal(initialized?.reason, "ContainersNotInitialized");
      assert.equal((pod.status?.initContainerStatuses?.[1]?.state?.terminated as { exitCode?: number })?.exitCode, 1);
      assert.ok(!state(pod).running && !state(pod).terminated, "the app container never started");
    },
  },
  {
    codename: "[sig-node] InitContainer [NodeConformance] should not start app containers if init containers fail on a RestartAlways pod [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, { ...shPod("pod-init", "true"), spec: { restartPolicy: "Always", initContainers: [{ name: "init1", image: "busybox", command: ["/bin/false"] }, { name: "init2", image: "busybox", command: ["/bin/true"] }], containers: [{ name: "run1", image: "registry.k8s.io/pause:3.9" }] } });
      const pod = await waitForPod(ctx, "pod-init", "to restart its first init container twice", (p) => (p.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 2, 60_000);
      assert.equal(pod.status?.phase, "Pending");
      assert.equal(pod.status?.conditions?.find((c) => c.type === "Initialized")?.status, "False");
      assert.ok(!pod.status?.initContainerStatuses?.[1]?.state?.terminated && !pod.status?.initContainerStatuses?.[1]?.state?.running, "init2 never started");
      assert.ok(!state(pod).running, "the app container never started");
    },
  },
];
