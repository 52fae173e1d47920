import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cluster, eventually, rows } from "./harness.js";

const TUG = fileURLToPath(new URL("../../../../bin/tug.js", import.meta.url));

/** Seed 000's DaemonSet manifest ("创建DaemonSet"). */
const daemonsetDemo = `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: daemset-nginx
  namespace: default
  labels:
    app: daem-nginx
spec:
  selector:
    matchLabels:
      app: daem-nginx
  template:
    metadata:
      name: nginx
      labels:
        app: daem-nginx
    spec:
      containers:
      - name: nginx-pod
        image: nginx:1.12
        ports:
        - name: http
          containerPort: 80
`;

describe("DaemonSet controller (seed 000)", () => {
  let c: Cluster;
  let joiner: ChildProcess | undefined;
  const joinerDir = mkdtempSync(join(tmpdir(), "tug-node-"));
  const podsByNode = () => rows(c.ok(["get", "pods", "-l", "app=daem-nginx", "-o", "custom-columns=NAME:metadata.name,NODE:spec.nodeName,Image:spec.containers[0].image"])).slice(1);
  const settled = (nodes: number, image: string) => () => {
    const r = podsByNode();
    const ds = rows(c.ok(["get", "ds", "daemset-nginx"]))[1];
    return r.length === nodes && new Set(r.map((p) => p[1])).size === nodes && r.every((p) => p[2] === image) && ds?.[3] === String(nodes) && ds?.[5] === String(nodes);
  };

  before(async () => {
    c = await Cluster.start(["--nodes", "2", "--runtime", "simulated"]);
  });
  after(async () => {
    if (joiner && joiner.exitCode === null) joiner.kill("SIGKILL");
    await c.stop();
    rmSync(joinerDir, { recursive: true, force: true });
  });

  test("one pod per node, pinned there; describe prints the seed's block", async () => {
    assert.equal(c.ok(["apply", "-f", "-"], daemonsetDemo).trim(), "daemonset.apps/daemset-nginx created");
    await eventually("a ready pod on each node", settled(2, "nginx:1.12"));
    assert.deepEqual(podsByNode().map((p) => p[1]).sort(), ["tug-node-1", "tug-node-2"]);
    for (const [name] of podsByNode()) assert.match(name!, /^daemset-nginx-[a-z0-9]{5}$/);
    const describe = c.ok(["describe", "daemonset/daemset-nginx"]);
    for (const line of ["Selector:       app=daem-nginx", "Node-Selector:  <none>", "Desired Number of Nodes Scheduled: 2", "Current Number of Nodes Scheduled: 2",
      "Number of Nodes Scheduled with Up-to-date Pods: 2", "Number of Nodes Scheduled with Available Pods: 2", "Number of Nodes Misscheduled: 0",
      "Pods Status:  2 Running / 0 Waiting / 0 Succeeded / 0 Failed"]) assert.ok(describe.includes(line), `describe lacks "${line}":\n${describe}`);
    assert.match(describe, /Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: daemset-nginx-\w{5}/);
    const affinity = c.ok(["get", "pod", podsByNode()[0]![0]!, "-o", "jsonpath={.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key}"]);
    assert.equal(affinity, "metadata.name");
  });

  test("set image rolls node by node (delete, then create); rollout status, history and undo", async () => {
    c.ok(["set", "image", "daemonset/daemset-nginx", "nginx-pod=nginx:1.14"]);
    const status = c.ok(["rollout", "status", "ds/daemset-nginx", "--timeout=30s"]);
    assert.match(status, /daemon set "daemset-nginx" successfully rolled out/);
    await eventually("nginx:1.14 on both nodes", settled(2, "nginx:1.14"));
    const events = c.ok(["get", "events", "--field-selector", "involvedObject.name=daemset-nginx", "--sort-by=.lastTimestamp", "-o", "custom-columns=REASON:reason,MSG:message"]);
    assert.equal((events.match(/SuccessfulDelete/g) ?? []).length, 2);
    assert.equal((events.match(/SuccessfulCreate/g) ?? []).length, 4);
    assert.deepEqual(rows(c.ok(["rollout", "history", "ds/daemset-nginx"])).slice(2).map((r) => r[0]), ["1", "2"]);
    assert.match(c.ok(["rollout", "history", "ds/daemset-nginx", "--revision=1"]), /Image:\s+nginx:1\.12/);
    assert.match(c.ok(["rollout", "undo", "ds/daemset-nginx"]), /daemonset.apps\/daemset-nginx rolled back/);
    await eventually("back on nginx:1.12", settled(2, "nginx:1.12"));
    assert.deepEqual(rows(c.ok(["rollout", "history", "ds/daemset-nginx"])).slice(2).map((r) => r[0]), ["2", "3"]);
  });

  test("a joining node gets its pod; nodeSelector shrinks the set", async () => {
    joiner = spawn(process.execPath, [TUG, "node", "--kubeconfig", c.kubeconfig, "--name", "tug-node-3", "--runtime", "simulated", "--data-dir", joinerDir], { stdio: "ignore" });
    await eventually("a pod on the joined node", settled(3, "nginx:1.12"), 20_000);
    c.ok(["label", "node", "tug-node-3", "disk=ssd"]);
    c.ok(["patch", "ds", "daemset-nginx", "-p", JSON.stringify({ spec: { template: { spec: { nodeSelector: { disk: "ssd" } } } } })]);
    await eventually("only tug-node-3 keeps a pod", () => podsByNode().length === 1 && podsByNode()[0]![1] === "tug-node-3", 15_000);
    const ds = rows(c.ok(["get", "ds", "daemset-nginx"]));
    assert.deepEqual(ds[0], ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]);
    assert.deepEqual(ds[1]!.slice(0, 7), ["daemset-nginx", "1", "1", "1", "1", "1", "disk=ssd"]);
  });

  test("OnDelete: a new template reaches a node only when its pod is deleted", async () => {
    c.ok(["patch", "ds", "daemset-nginx", "--type=json", "-p", JSON.stringify([
      { op: "replace", path: "/spec/updateStrategy", value: { type: "OnDelete" } },
      { op: "remove", path: "/spec/template/spec/nodeSelector" },
    ])]);
    await eventually("three nodes again", () => podsByNode().length === 3 && rows(c.ok(["get", "ds", "daemset-nginx"]))[1]?.[5] === "3", 15_000);
    c.ok(["set", "image", "daemonset/daemset-nginx", "nginx-pod=nginx:1.16"]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(podsByNode().every((p) => p[2] === "nginx:1.12"), "OnDelete leaves running pods alone");
    assert.match(c.kubectl(["rollout", "status", "ds/daemset-nginx"]).stderr, /rollout status is only available for RollingUpdate strategy type/);
    const victim = podsByNode().find((p) => p[1] === "tug-node-1")![0]!;
    c.ok(["delete", "pod", victim]);
    await eventually("tug-node-1 runs nginx:1.16", () => podsByNode().some((p) => p[1] === "tug-node-1" && p[2] === "nginx:1.16"), 15_000);
    assert.equal(podsByNode().filter((p) => p[2] === "nginx:1.12").length, 2);
    assert.match(rows(c.ok(["get", "ds", "daemset-nginx"]))[1]![4]!, /^1$/, "UP-TO-DATE counts the one replaced pod");
  });

  test("a removed node's daemon pod is collected (after the pod GC's 40 s quarantine)", async () => {
    joiner?.kill("SIGKILL");
    c.ok(["delete", "node", "tug-node-3"]);
    await eventually("DESIRED follows the nodes", () => rows(c.ok(["get", "ds", "daemset-nginx"]))[1]![1] === "2", 15_000);
    await eventually("no pod left on tug-node-3", () => podsByNode().length === 2 && podsByNode().every((p) => p[1] !== "tug-node-3"), 60_000);
  });

  test("deleting the DaemonSet deletes its pods and revisions", async () => {
    c.ok(["delete", "ds", "daemset-nginx"]);
    await eventually("pods and revisions gone", () => podsByNode().length === 0 && c.ok(["get", "controllerrevisions", "-o", "name"]).trim() === "", 15_000);
  });
});
