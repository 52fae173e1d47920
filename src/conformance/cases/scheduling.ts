import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { NODES, PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, suffix, waitFor, waitForPod } from "../core-kit.js";

/** Upstream's scheduling/predicates.go and preemption.go, and architecture/conformance.go. */

interface Node extends KubeObject {
  spec: { taints?: Array<{ key: string; effect: string }>; unschedulable?: boolean };
  status: { allocatable?: Record<string, string> };
}

const scheduled = (p: Pod) => !!(p.spec as { nodeName?: string }).nodeName;
const unschedulable = (p: Pod) => p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable") ?? false;

function pausePod(name: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "pause", image: "registry.k8s.io/pause:3.9", ...container }], ...spec } };
}

/** The schedulable nodes, once there is one (a case may run right after `tug up` starts). */
function schedulableNodes(ctx: ConformanceContext): Promise<Node[]> {
  return waitFor("a schedulable node", async () => {
    const nodes = (await ctx.client.list<Node>(NODES)).items.filter((n) => !n.spec.unschedulable && n.status.allocatable?.cpu);
    return nodes.length ? nodes : undefined;
  });
}

/** Runs `body` with a fresh label on the first schedulable node, removed afterwards. */
async function withNodeLabel(ctx: ConformanceContext, body: (node: string, key: string) => Promise<void>): Promise<void> {
  const node = (await schedulableNodes(ctx))[0]!.metadata.name!;
  const key = `kubernetes.io/e2e-${suffix()}`;
  await ctx.client.patch(NODES, undefined, node, "merge", { metadata: { labels: { [key]: "42" } } });
  try {
    await body(node, key);
  } finally {
    await ctx.client.patch(NODES, undefined, node, "merge", { metadata: { labels: { [key]: null } } });
  }
}

const PRIORITY = "scheduling.k8s.io/v1 PriorityClass";

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if matching [Conformance]",
    run: (ctx) => withNodeLabel(ctx, async (node, key) => {
      await ctx.client.create(PODS, ctx.namespace, pausePod("with-labels", { nodeSelector: { [key]: "42" } }));
      const p = await waitForPod(ctx, "with-labels", "to be scheduled", scheduled);
      assert.equal((p.spec as { nodeName?: string }).nodeName, node);
    }),
  },
  {
    codename: "[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if not matching [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, pausePod("restricted-pod", { nodeSelector: { label: "nonempty" } }));
      const p = await waitForPod(ctx, "restricted-pod", "to be Unschedulable", unschedulable);
      assert.ok(!scheduled(p));
      assert.match(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.message ?? "", /didn't match Pod's node affinity\/selector/);
    },
  },
  {
    codename: "[sig-scheduling] SchedulerPredicates [Serial] validates resource limits of pods that are allowed to run [Conformance]",
    async run(ctx) {
      const nodes = await schedulableNodes(ctx);
      const cores = Math.max(...nodes.map((n) => Number.parseFloat(n.status.allocatable?.cpu ?? "0")));
      await ctx.client.create(PODS, ctx.namespace, pausePod("filler-pod", {}, { resources: { requests: { cpu: "100m" }, limits: { cpu: "100m" } } }));
      await waitForPod(ctx, "filler-pod", "to be scheduled", scheduled);
      await ctx.client.create(PODS, ctx.namespace, pausePod("additional-pod", {}, { resources: { requests: { cpu: `${Math.ceil(cores) + 1}` }, limits: { cpu: `${Math.ceil(cores) + 1}` } } }));
      const p = await waitForPod(ctx, "additional-pod", "to be Unschedulable", unschedulable);
      assert.match(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.message ?? "", /Insufficient cpu/);
    },
  },
  {
    codename: "[sig-scheduling] SchedulerPredicates [Serial] validates that there exists conflict between pods with same hostPort and protocol but one using 0.0.0.0 hostIP [Conformance]",
    run: (ctx) => withNodeLabel(ctx, async (_node, key) => {
      const port = (hostIP: string) => ({ ports: [{ containerPort: 8080, hostPort: 54322, hostIP, protocol: "TCP" }] });
      await ctx.client.create(PODS, ctx.namespace, pausePod("pod4", { nodeSelector: { [key]: "42" } }, port("0.0.0.0")));
      await waitForPod(ctx, "pod4", "to be scheduled", scheduled);
      await ctx.client.create(PODS, ctx.namespace, pausePod("pod5", { nodeSelector: { [key]: "42" } }, port("127.0.0.1")));
      const p = await waitForPod(ctx, "pod5", "to be Unschedulable", unschedulable, 15_000);
      assert.ok(!scheduled(p), "the pod whose hostPort conflicts is not scheduled");
    }),
  },
  {
    codename: "[sig-architecture] Conformance Tests should have at least two untainted nodes [Conformance]",
    knownFailure: "not a defect: `tug up` starts one node unless given --nodes 2 (upstream's suite needs two schedulable nodes)",
    async run(ctx) {
      const nodes = (await ctx.client.list<Node>(NODES)).items.filter((n) => !n.spec.unschedulable && !(n.spec.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"));
      assert.ok(nodes.length >= 2, `untainted schedulable nodes: ${nodes.map((n) => n.metadata.name).join(", ")}`);
    },
  },
  ...[
    "[sig-scheduling] SchedulerPreemption [Serial] PreemptionExecutionPath runs ReplicaSets to verify preemption running path [Conformance]",
    "[sig-scheduling] SchedulerPreemption [Serial] PriorityClass endpoints verify PriorityClass endpoints can be operated with different HTTP methods [Conformance]",
    "[sig-scheduling] SchedulerPreemption [Serial] validates basic preemption works [Conformance]",
    "[sig-scheduling] SchedulerPreemption [Serial] validates lower priority pod preemption by critical pod [Conformance]",
    "[sig-scheduling] SchedulerPreemption [Serial] validates pod disruption condition is added to the preempted pod [Conformance]",
  ].map((codename): ConformanceCase => ({ codename, notServed: `${PRIORITY} (and preemption)`, run: async () => {} })),
];
