import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Cluster, eventually, rows } from "./harness.js";
import { podIPsAnswer, seedRuntimeSkip, startSeedCluster, type SeedCluster, type SeedRuntime } from "./seed-runtimes.js";

/**
 * Seed 004's StatefulSet behind a headless Service, each pod writing its hostname and start time to its own volume.
 * The shell (PID 1 in a container) stops at SIGTERM, as `sleep` there would not: pods go in a moment, not at the grace period's end.
 */
const web = `
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web-svc
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", "trap 'exit 0' TERM; hostname > /data/host; date >> /data/log; sleep 3600 & wait"]
        volumeMounts:
        - name: www
          mountPath: /data
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
`;

interface PodJson {
  metadata: { name: string; creationTimestamp: string; labels: Record<string, string> };
  spec: { hostname?: string; subdomain?: string; containers: Array<{ image: string }> };
  status: { conditions?: Array<{ type: string; status: string; lastTransitionTime: string }> };
}

/** Seed 004's StatefulSet walk-through on `runtime`. */
export const describeSeed004 = (runtime: SeedRuntime) => void describe(`StatefulSet controller on --runtime ${runtime} with volumes (seed 004)`, { skip: seedRuntimeSkip(runtime) }, () => {
  let seed: SeedCluster;
  let c: Cluster;
  const pods = () => c.json<{ items: PodJson[] }>(["get", "pods", "-l", "app=web"]).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const ready = (n: number) => () => {
    const r = rows(c.ok(["get", "sts", "web"]))[1];
    return r?.[1] === `${n}/${n}` && pods().length === n;
  };
  const image = (name: string) => pods().find((p) => p.metadata.name === name)?.spec.containers[0]?.image;
  const volumeDir = (claim: string) => c.ok(["get", "pv", "-o", `jsonpath={.items[?(@.spec.claimRef.name=="${claim}")].spec.hostPath.path}`]).trim();

  before(async () => {
    // The harness gives the cluster a service range of its own: the cluster DNS it asks is its own.
    seed = await startSeedCluster(runtime);
    c = seed.cluster;
  });
  after(() => seed?.stop());

  test("pods <name>-0..2 are created in order, each once the one before is Ready, with stable identity and bound claims", async () => {
    c.ok(["apply", "-f", "-"], web);
    assert.match(c.ok(["rollout", "status", "sts/web", "--timeout=60s"]), /partitioned roll out complete: 3 new pods have been updated/);
    const list = pods();
    assert.deepEqual(list.map((p) => p.metadata.name), ["web-0", "web-1", "web-2"]);
    for (const [i, p] of list.entries()) {
      assert.equal(p.spec.hostname, p.metadata.name);
      assert.equal(p.spec.subdomain, "web-svc");
      assert.equal(p.metadata.labels["statefulset.kubernetes.io/pod-name"], p.metadata.name);
      assert.equal(p.metadata.labels["apps.kubernetes.io/pod-index"], String(i));
      if (i > 0) {
        const readyAt = Date.parse(list[i - 1]!.status.conditions!.find((x) => x.type === "Ready")!.lastTransitionTime);
        assert.ok(Date.parse(p.metadata.creationTimestamp) >= readyAt, `${p.metadata.name} was created before ${list[i - 1]!.metadata.name} was Ready`);
      }
    }
    const claims = rows(c.ok(["get", "pvc"])).slice(1);
    assert.deepEqual(claims.map((r) => [r[0], r[1], r[5]]), [["www-web-0", "Bound", "standard"], ["www-web-1", "Bound", "standard"], ["www-web-2", "Bound", "standard"]]);
    assert.equal(readFileSync(`${volumeDir("www-web-1")}/host`, "utf8").trim(), "web-1");
    assert.match(c.ok(["get", "sc"]), /standard \(default\)\s+tugboat.dev\/local-path\s+Delete\s+WaitForFirstConsumer/);
  });

  test("the headless service resolves <pod>.<svc>.<ns>.svc.cluster.local from a pod", { skip: !podIPsAnswer(runtime) && "needs root and the CNI plugins for pod DNS" }, async () => {
    c.ok(["run", "dig", "--image=busybox", "--restart=Never", "--", "nslookup", "web-2.web-svc.default.svc.cluster.local"]);
    await eventually("lookup done", () => /Completed|Error/.test(c.ok(["get", "pod", "dig"])), 30_000);
    const ip = c.ok(["get", "pod", "web-2", "-o", "jsonpath={.status.podIP}"]);
    assert.match(c.ok(["logs", "dig"]), new RegExp(`Address:\\s+${ip.replace(/\./g, "\\.")}`));
    c.ok(["delete", "pod", "dig", "--wait=false"]);
  });

  test("scale down removes the highest ordinals first and keeps their claims; scale up gives the old data back", async () => {
    c.ok(["scale", "sts", "web", "--replicas=1"]);
    await eventually("one pod", ready(1), 30_000);
    const deletions = c.ok(["get", "events", "--field-selector", "involvedObject.name=web,reason=SuccessfulDelete", "--sort-by=.metadata.creationTimestamp", "-o", "custom-columns=M:message", "--no-headers"]);
    assert.deepEqual(deletions.trim().split("\n"), ["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]);
    assert.equal(rows(c.ok(["get", "pvc"])).length - 1, 3, "claims survive scale-down");
    c.ok(["scale", "sts", "web", "--replicas=3"]);
    await eventually("three pods again", ready(3), 30_000);
    assert.equal(readFileSync(`${volumeDir("www-web-2")}/log`, "utf8").trim().split("\n").length, 2, "web-2 found the volume it wrote before");
  });

  test("a partitioned update replaces only ordinals at or above the partition, highest first; history and undo", async () => {
    c.ok(["patch", "sts", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}']);
    c.ok(["set", "image", "sts/web", "main=busybox:1.37"]);
    // web-2 is deleted and created again: for a while there is no web-2 (nor a third pod) to read.
    await eventually("web-2 updated", () => image("web-2") === "busybox:1.37" && ready(3)(), 30_000);
    assert.match(c.ok(["rollout", "status", "sts/web", "--timeout=30s"]), /partitioned roll out complete: 1 new pods have been updated/);
    assert.deepEqual(pods().map((p) => p.spec.containers[0]!.image), ["busybox:1.36", "busybox:1.36", "busybox:1.37"]);
    c.ok(["patch", "sts", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
    await eventually("all updated", () => pods().every((p) => p.spec.containers[0]!.image === "busybox:1.37") && ready(3)(), 40_000);
    const status = c.json<{ status: { currentRevision: string; updateRevision: string } }>(["get", "sts", "web"]).status;
    assert.equal(status.currentRevision, status.updateRevision);
    assert.deepEqual(rows(c.ok(["rollout", "history", "sts/web"])).slice(2).map((r) => r[0]), ["1", "2"]);
    assert.match(c.ok(["rollout", "undo", "sts/web"]), /statefulset.apps\/web rolled back/);
    await eventually("back on busybox:1.36", () => pods().every((p) => p.spec.containers[0]!.image === "busybox:1.36") && ready(3)(), 40_000);
  });

  test("bad input: no serviceName, changed volumeClaimTemplates", () => {
    const noService = c.kubectl(["apply", "-f", "-"], web.split("---")[1]!.replace("serviceName: web-svc", "").replace("name: web\n", "name: other\n"));
    assert.match(noService.stderr, /spec.serviceName: Required value/);
    const changed = c.kubectl(["patch", "sts", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/volumeClaimTemplates/0/spec/resources/requests/storage","value":"2Gi"}]']);
    assert.match(changed.stderr, /spec: Forbidden: updates to statefulset spec for fields other than/);
  });

  test("deleting the StatefulSet deletes its pods and keeps their claims", async () => {
    c.ok(["delete", "sts", "web"]);
    await eventually("pods gone", () => pods().length === 0, 30_000);
    assert.deepEqual(rows(c.ok(["get", "pvc"])).slice(1).map((r) => r[1]), ["Bound", "Bound", "Bound"]);
  });
});
