import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually } from "./harness.js";

interface PodJson {
  status: { phase?: string; containerStatuses?: Array<{ state?: { running?: unknown; terminated?: unknown } }> };
}

describe("node agent and a terminal phase written through pods/status", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
  });
  after(async () => {
    await c.stop();
  });

  test("PodWorker.sync keeps a Failed phase another writer set and stops the pod (never back to Running)", async () => {
    c.ok(["run", "forever", "--image=busybox", "--restart=Always", "--command", "--", "sleep", "3600"]);
    await eventually("forever Running", () => c.json<PodJson>(["get", "pod", "forever"]).status.phase === "Running", 30_000);
    c.ok(["patch", "pod", "forever", "--subresource=status", "--type=merge", "-p", '{"status":{"phase":"Failed"}}']);
    await eventually("the container stopped with the pod Failed", () => {
      const pod = c.json<PodJson>(["get", "pod", "forever"]);
      assert.notEqual(pod.status.phase, "Running", "the node agent moved the pod from Failed back to Running");
      return pod.status.phase === "Failed" && pod.status.containerStatuses?.[0]?.state?.terminated !== undefined;
    }, 30_000);
  });
});
