import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually, rows } from "./harness.js";

describe("tug up --nodes 2 --runtime simulated: scheduler and simulated nodes", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--nodes", "2", "--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
  });

  test("get nodes -o wide shows two Ready nodes with every column filled", async () => {
    await eventually("two nodes", () => c.kubectl(["get", "nodes", "-o", "name"]).stdout.trim().split("\n").length === 2);
    const table = rows(c.ok(["get", "nodes", "-o", "wide"]));
    assert.deepEqual(table[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
    for (const row of table.slice(1)) {
      assert.equal(row[1], "Ready");
      assert.equal(row[4], "v1.32.0-tugboat");
      assert.match(row[5]!, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(row[9], "simulated://0.1.0");
    }
    const leases = c.ok(["get", "lease", "-n", "kube-node-lease", "-o", "name"]).trim().split("\n");
    assert.deepEqual(leases.sort(), ["lease.coordination.k8s.io/tug-node-1", "lease.coordination.k8s.io/tug-node-2"]);
  });

  test("a pod is scheduled, runs with an IP on a node, and goes when deleted", async () => {
    c.ok(["run", "web", "--image=ikubernetes/myapp:v1"]);
    await eventually("web Running", () => /web\s+1\/1\s+Running/.test(c.ok(["get", "pod", "web"])));
    const wide = rows(c.ok(["get", "pod", "web", "-o", "wide"]))[1]!;
    assert.match(wide[5]!, /^10\.244\.\d+\.\d+$/);
    assert.match(wide[6]!, /^tug-node-[12]$/);
    const pod = c.json<{ status: { conditions: Array<{ type: string; status: string }>; hostIP: string } }>(["get", "pod", "web"]);
    assert.deepEqual(pod.status.conditions.filter((x) => x.status === "True").map((x) => x.type).sort(),
      ["ContainersReady", "Initialized", "PodReadyToStartContainers", "PodScheduled", "Ready"]);
    assert.match(c.ok(["get", "events", "--field-selector", "involvedObject.name=web"]), /Scheduled\s+pod\/web\s+Successfully assigned default\/web to tug-node-[12]/);
    c.ok(["delete", "pod", "web", "--timeout=20s"]);
    assert.match(c.kubectl(["get", "pod", "web"]).stderr, /not found/);
  });

  test("an unsatisfiable nodeSelector stays Pending with a FailedScheduling event", async () => {
    c.ok(["run", "picky", "--image=nginx", "--overrides", '{"spec":{"nodeSelector":{"disktype":"ssd"}}}']);
    await eventually("FailedScheduling", () => /FailedScheduling/.test(c.ok(["describe", "pod", "picky"])));
    const described = c.ok(["describe", "pod", "picky"]);
    assert.match(described, /Status:\s+Pending/);
    assert.match(described, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector\./);
    c.ok(["label", "node", "tug-node-1", "disktype=ssd"]);
    await eventually("picky Running on tug-node-1", () => /picky\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+tug-node-1/.test(c.ok(["get", "pod", "picky", "-o", "wide"])));
  });
});
