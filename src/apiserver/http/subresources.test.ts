import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { MemoryStore } from "../../store/memory.js";
import { builtinResources } from "../kinds/index.js";
import { RestStore } from "../registry/rest.js";
import { bindPod } from "./subresources.js";

const podsInfo = builtinResources({ notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300 }).find((r) => r.plural === "pods" && r.group === "")!;
const T0 = Date.parse("2026-01-01T00:00:00Z");

async function setup(status?: Record<string, unknown>) {
  const pods = new RestStore(podsInfo, new MemoryStore(), { now: () => T0 });
  const created = await pods.create("default", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } });
  if (status) await pods.guaranteedUpdate("default", "p", { subresource: "status" }, (p) => ({ ...p, status }));
  return { pods, uid: created.metadata.uid! };
}

const conditions = (p: KubeObject) => (p.status as { conditions?: Array<Record<string, unknown>> }).conditions;
const statusOf = (err: unknown) => err as StatusError;

describe("pods/binding", () => {
  test("sets spec.nodeName, the binding's annotations and PodScheduled=True, as upstream's BindingREST", async () => {
    const { pods, uid } = await setup();
    await bindPod(pods, "default", "p", { metadata: { name: "p", uid, annotations: { a: "b" } }, target: { kind: "Node", name: "n1" } }, T0 + 5000);
    const bound = await pods.get("default", "p");
    assert.equal((bound.spec as { nodeName?: string }).nodeName, "n1");
    assert.deepEqual(bound.metadata.annotations, { a: "b" });
    assert.deepEqual(conditions(bound), [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:05Z" }]);
  });

  test("replaces an Unschedulable condition: reason and message go, the transition time moves", async () => {
    const { pods } = await setup({ conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" }] });
    await bindPod(pods, "default", "p", { target: { name: "n1" } }, T0 + 7000);
    assert.deepEqual(conditions(await pods.get("default", "p")), [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:07Z" }]);
  });

  test("a pod is bound once; a binding for another uid or without a target is refused", async () => {
    const { pods } = await setup();
    await assert.rejects(bindPod(pods, "default", "p", { metadata: { uid: "not-this-pod" }, target: { name: "n1" } }, T0), (err) => statusOf(err).code === 409);
    await assert.rejects(bindPod(pods, "default", "p", { target: {} }, T0), (err) => statusOf(err).code === 400);
    await bindPod(pods, "default", "p", { target: { name: "n1" } }, T0);
    await assert.rejects(bindPod(pods, "default", "p", { target: { name: "n2" } }, T0), (err) => {
      assert.equal(statusOf(err).code, 409);
      assert.match(statusOf(err).message!, /pod p is already assigned to node "n1"/);
      return true;
    });
    await assert.rejects(bindPod(pods, "default", "missing", { target: { name: "n1" } }, T0), (err) => statusOf(err).code === 404);
  });
});
