import assert from "node:assert/strict";
import { PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, startPod, waitForPod } from "../core-kit.js";

type Json = Record<string, unknown>;

const targetPod = (name: string): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "test-container-1", image: "busybox", command: ["sh", "-c", "while true; do sleep 1; done"] }] },
});
const debugger_ = (name: string): Json => ({ name, image: "busybox", command: ["sh", "-c", "while true; do echo polo; sleep 2; done"], stdin: true, tty: true });

const ephemeralOf = (p: Pod) => ((p.spec as Json).ephemeralContainers ?? []) as Json[];
const runningEphemeral = (p: Pod, name: string) =>
  ((p.status as Json | undefined)?.ephemeralContainerStatuses as Array<{ name: string; state?: { running?: object } }> | undefined ?? [])
    .some((s) => s.name === name && s.state?.running !== undefined);

/** Upstream's AddEphemeralContainerSync: a strategic merge patch on pods/ephemeralcontainers, then the container running. */
async function addEphemeral(ctx: ConformanceContext, pod: string, ec: Json): Promise<void> {
  await ctx.client.patch(PODS, ctx.namespace, pod, "strategic", { spec: { ephemeralContainers: [ec] } }, "ephemeralcontainers");
  await waitForPod(ctx, pod, `ephemeral container ${String(ec.name)} running`, (p) => runningEphemeral(p, String(ec.name)), 60_000);
}

/** Upstream's ExecCommandInContainerWithFullOutput(pod, container, "/bin/echo", "marco"). */
function echoMarco(ctx: ConformanceContext, pod: string, container: string): void {
  const r = ctx.cluster.kubectl(["-n", ctx.namespace, "exec", pod, "-c", container, "--", "/bin/echo", "marco"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "marco");
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] Ephemeral Containers [NodeConformance] will start an ephemeral container in an existing pod [Conformance]",
    async run(ctx) {
      await startPod(ctx, targetPod("ephemeral-containers-target-pod"));
      await addEphemeral(ctx, "ephemeral-containers-target-pod", debugger_("debugger"));
      echoMarco(ctx, "ephemeral-containers-target-pod", "debugger");
    },
  },
  {
    codename: "[sig-node] Ephemeral Containers [NodeConformance] should update the ephemeral containers in an existing pod [Conformance]",
    async run(ctx) {
      const name = "ephemeral-containers-target-pod";
      await startPod(ctx, targetPod(name));
      await addEphemeral(ctx, name, debugger_("debugger"));
      echoMarco(ctx, name, "debugger");
      // GET and PUT through the subresource: a second one added to the list the server returned.
      const got = await ctx.client.request<Pod>("GET", `/api/v1/namespaces/${ctx.namespace}/pods/${name}/ephemeralcontainers`);
      assert.equal(ephemeralOf(got).length, 1);
      (got.spec as Json).ephemeralContainers = [...ephemeralOf(got), debugger_("debugger2")];
      const updated = await ctx.client.update<Pod>(PODS, got, "ephemeralcontainers");
      assert.deepEqual(ephemeralOf(updated).map((e) => e.name), ["debugger", "debugger2"]);
      const stored = await ctx.client.get<Pod>(PODS, ctx.namespace, name);
      assert.equal(ephemeralOf(stored).length, 2);
    },
  },
];
