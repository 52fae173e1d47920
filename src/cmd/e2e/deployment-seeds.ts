import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Cluster, eventually, KUBECTL, rows } from "./harness.js";
import { myappPage, podIPsAnswer, seedRuntimeSkip, startSeedCluster, type SeedCluster, type SeedRuntime } from "./seed-runtimes.js";

/** Seed 000's Deployment manifest ("创建Deployment示例"), with image and replicas as parameters. */
const deployDemo = (image: string, replicas = 2) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: deploy-demo
  namespace: default
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: deploy-app
      release: canary
  template:
    metadata:
      labels:
        app: deploy-app
        release: canary
    spec:
      containers:
      - name: myapp
        image: ${image}
        ports:
        - name: http
          containerPort: 80
`;

interface LivePod {
  metadata: { name: string; deletionTimestamp?: string };
  status: { podIP?: string };
}

/** The pods of `selector` that are not terminating. */
function livePods(c: Cluster, selector: string): LivePod[] {
  return c.json<{ items: LivePod[] }>(["get", "pods", "-l", selector]).items.filter((p) => !p.metadata.deletionTimestamp);
}

async function get(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, url);
  return res.text();
}

const HASH = "[bcdfghjklmnpqrstvwxz2456789]{1,10}";

/** Seed 000's Deployment walk-through on `runtime`. */
export const describeSeed000 = (runtime: SeedRuntime) => void describe(`Deployment controller on --runtime ${runtime}: seed 000 with real kubectl and real pods`, { skip: seedRuntimeSkip(runtime) }, () => {
  let seed: SeedCluster;
  let c: Cluster;
  const images = () => rows(c.ok(["get", "pods", "-l", "app=deploy-app", "-o", "custom-columns=Name:metadata.name,Image:spec.containers[0].image"])).slice(1);
  const rsNames = () => rows(c.ok(["get", "rs", "-l", "app=deploy-app", "--sort-by=.metadata.creationTimestamp"])).slice(1).map((r) => r[0]!);
  const history = () => rows(c.ok(["rollout", "history", "deployment/deploy-demo"])).slice(2).map((r) => r[0]);
  /** Every pod of the deployment runs `image`, `n` of them, and nothing else is left (not even Terminating). */
  const allOn = (image: string, n: number) => () => {
    const pods = images();
    return pods.length === n && pods.every((p) => p[1] === image);
  };
  /** Each pod of the deployment answers on its pod IP with myapp's page of `version` and its own name (where pod IPs answer). */
  const served = async (version: string) => {
    if (!podIPsAnswer(runtime)) return;
    for (const p of livePods(c, "app=deploy-app")) {
      assert.equal(await get(`http://${p.status.podIP}/`), myappPage(version), p.metadata.name);
      assert.equal(await get(`http://${p.status.podIP}/hostname.html`), `${p.metadata.name}\n`);
    }
  };
  const rolledOut = () => {
    const out = c.ok(["rollout", "status", "deployment/deploy-demo", "--timeout=60s"]);
    assert.match(out, /deployment "deploy-demo" successfully rolled out/);
  };

  before(async () => {
    seed = await startSeedCluster(runtime);
    c = seed.cluster;
  });
  after(async () => {
    await seed?.stop();
  });

  test("apply creates <deployment>-<pod-template-hash> and <rs>-<5 chars> pods", async () => {
    assert.equal(c.ok(["apply", "-f", "-"], deployDemo("ikubernetes/myapp:v1")).trim(), "deployment.apps/deploy-demo created");
    rolledOut();
    assert.match(c.ok(["get", "deployment"]), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeploy-demo\s+2\/2\s+2\s+2\s+\S+\n$/);
    const [rs] = rsNames();
    assert.match(rs!, new RegExp(`^deploy-demo-${HASH}$`));
    const hash = rs!.slice("deploy-demo-".length);
    const obj = c.json<{ spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } }; metadata: { annotations: Record<string, string> } }>(["get", "rs", rs!]);
    assert.equal(obj.spec.selector.matchLabels["pod-template-hash"], hash);
    assert.equal(obj.spec.template.metadata.labels["pod-template-hash"], hash);
    assert.equal(obj.metadata.annotations["deployment.kubernetes.io/revision"], "1");
    for (const [name] of images()) assert.match(name!, new RegExp(`^${rs}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    assert.match(c.ok(["get", "pods", "-l", `pod-template-hash=${hash}`, "-o", "name"]), /deploy-demo/);
    await served("v1");
  });

  test("set image rolls onto a new ReplicaSet and leaves the old one at 0", async () => {
    const [first] = rsNames();
    assert.equal(c.ok(["set", "image", "deployment/deploy-demo", "myapp=ikubernetes/myapp:v2"]).trim(), "deployment.apps/deploy-demo image updated");
    rolledOut();
    await eventually("2 pods on v2", allOn("ikubernetes/myapp:v2", 2), 20_000);
    await served("v2");
    const table = rows(c.ok(["get", "rs", "-l", "app=deploy-app", "--sort-by=.metadata.creationTimestamp"]));
    assert.deepEqual(table.slice(1).map((r) => [r[0], r[1], r[2], r[3]]), [[first, "0", "0", "0"], [table[2]![0], "2", "2", "2"]]);
    const second = table[2]![0]!;
    const events = c.ok(["describe", "deployment", "deploy-demo"]);
    assert.match(events, new RegExp(`ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${second} to 1`));
    assert.match(events, new RegExp(`Scaled down replica set ${first} to 0`));
  });

  test("scale by command, by apply (back to the v1 template) and by patch", async () => {
    const [first] = rsNames();
    assert.equal(c.ok(["scale", "deployment", "deploy-demo", "--replicas=3"]).trim(), "deployment.apps/deploy-demo scaled");
    await eventually("3 pods on v2", allOn("ikubernetes/myapp:v2", 3), 20_000);
    assert.equal(c.ok(["apply", "-f", "-"], deployDemo("ikubernetes/myapp:v1", 4)).trim(), "deployment.apps/deploy-demo configured");
    rolledOut();
    await eventually("4 pods on v1", allOn("ikubernetes/myapp:v1", 4), 20_000);
    for (const [name] of images()) assert.ok(name!.startsWith(`${first}-`), "the v1 ReplicaSet is reused");
    assert.equal(c.ok(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"replicas":5}}']).trim(), "deployment.apps/deploy-demo patched");
    await eventually("5 pods on v1", allOn("ikubernetes/myapp:v1", 5), 20_000);
  });

  test("canary: maxSurge 1, maxUnavailable 0, set image v3 and pause → 6/5 with 1 up to date; resume → all v3", async () => {
    c.ok(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}']);
    // The seed pauses right after set image, while the first new pod is still starting. minReadySeconds
    // keeps that pod unavailable for a few seconds, so the pause lands at the same point every run.
    c.ok(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"minReadySeconds":4}}']);
    c.ok(["set", "image", "deployment/deploy-demo", "myapp=ikubernetes/myapp:v3"]);
    assert.equal(c.ok(["rollout", "pause", "deployment", "deploy-demo"]).trim(), "deployment.apps/deploy-demo paused");
    await eventually("6/5, 1 up to date, 6 available", () => /^deploy-demo\s+6\/5\s+1\s+6\s/m.test(c.ok(["get", "deployment"])), 20_000);
    const pods = images();
    assert.equal(pods.filter((p) => p[1] === "ikubernetes/myapp:v3").length, 1);
    assert.equal(pods.filter((p) => p[1] === "ikubernetes/myapp:v1").length, 5);
    const status = c.kubectl(["rollout", "status", "deployment/deploy-demo", "--timeout=1s"]);
    assert.notEqual(status.code, 0);
    assert.match(status.stdout, /Waiting for deployment "deploy-demo" rollout to finish: 1 out of 5 new replicas have been updated\.\.\./);
    const paused = c.json<{ status: { conditions: Array<{ type: string; status: string; reason: string }> } }>(["get", "deployment", "deploy-demo"]);
    assert.deepEqual(paused.status.conditions.find((x) => x.type === "Progressing"), { ...paused.status.conditions.find((x) => x.type === "Progressing"), status: "Unknown", reason: "DeploymentPaused" });

    c.ok(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"minReadySeconds":0}}']);
    assert.equal(c.ok(["rollout", "resume", "deployment", "deploy-demo"]).trim(), "deployment.apps/deploy-demo resumed");
    rolledOut();
    await eventually("5 pods on v3", allOn("ikubernetes/myapp:v3", 5), 30_000);
    await served("v3");
    assert.match(c.ok(["get", "deployment"]), /^deploy-demo\s+5\/5\s+5\s+5\s/m);
  });

  test("history 2 3 4; undo → v1 and history 2 4 5; --to-revision=2 → v2; history --revision shows that template", async () => {
    assert.deepEqual(history(), ["2", "3", "4"]);
    assert.equal(c.ok(["rollout", "undo", "deployment/deploy-demo"]).trim(), "deployment.apps/deploy-demo rolled back");
    rolledOut();
    await eventually("5 pods on v1", allOn("ikubernetes/myapp:v1", 5), 30_000);
    assert.deepEqual(history(), ["2", "4", "5"]);
    assert.equal(c.ok(["rollout", "undo", "deployment/deploy-demo", "--to-revision=2"]).trim(), "deployment.apps/deploy-demo rolled back");
    rolledOut();
    await eventually("5 pods on v2", allOn("ikubernetes/myapp:v2", 5), 30_000);
    assert.deepEqual(history(), ["4", "5", "6"]);
    assert.match(c.ok(["rollout", "history", "deployment/deploy-demo", "--revision=4"]), /with revision #4\nPod Template:[\s\S]*Image:\s+ikubernetes\/myapp:v3/);
    const d = c.json<{ metadata: { annotations: Record<string, string> } }>(["get", "deployment", "deploy-demo"]);
    assert.equal(d.metadata.annotations["deployment.kubernetes.io/revision"], "6");
  });

  test("rollout restart replaces every pod; revisionHistoryLimit prunes the oldest ReplicaSets", async () => {
    const before = new Set(images().map((p) => p[0]));
    assert.equal(c.ok(["rollout", "restart", "deployment/deploy-demo"]).trim(), "deployment.apps/deploy-demo restarted");
    rolledOut();
    await eventually("5 new pods", () => {
      const now = images();
      return now.length === 5 && now.every((p) => !before.has(p[0]));
    }, 30_000);
    assert.equal(rsNames().length, 4);
    c.ok(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"revisionHistoryLimit":1}}']);
    await eventually("one old ReplicaSet kept", () => rsNames().length === 2, 20_000);
    assert.deepEqual(history(), ["6", "7"]);
  });

  test("bad strategies get upstream's 422 messages", () => {
    const patch = (p: string) => c.kubectl(["patch", "deployment", "deploy-demo", "-p", p]).stderr.trim();
    assert.equal(patch('{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}}}'),
      'The Deployment "deploy-demo" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0');
    assert.equal(patch('{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":"110%"}}}}'),
      'The Deployment "deploy-demo" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"110%"}: must not be greater than 100%');
    assert.match(patch('{"spec":{"replicas":-1}}'), /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
    assert.match(patch('{"spec":{"selector":{"matchLabels":{"app":"other"}}}}'), /spec\.selector: Invalid value: .*: field is immutable/);
  });
});

/**
 * Seed 000's Recreate strategy and a rollout past its progress deadline on `runtime`, on a cluster of their own
 * (so that each half of seed 000 on containerd stays well inside the suite's two minutes a file).
 */
export const describeSeed000Strategies = (runtime: SeedRuntime) => void describe(`Deployment controller on --runtime ${runtime}: seed 000's Recreate and progress deadline`, { skip: seedRuntimeSkip(runtime) }, () => {
  let seed: SeedCluster;
  let c: Cluster;

  before(async () => {
    seed = await startSeedCluster(runtime);
    c = seed.cluster;
  });
  after(async () => {
    await seed?.stop();
  });

  test("Recreate never runs old and new pods side by side (checked from a watch)", async () => {
    const manifest = (value: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: recreate-demo}
spec:
  replicas: 3
  strategy: {type: Recreate}
  selector: {matchLabels: {app: recreate-demo}}
  template:
    metadata: {labels: {app: recreate-demo}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
        env: [{name: VERSION, value: "${value}"}]
`;
    c.ok(["apply", "-f", "-"], manifest("1"));
    c.ok(["rollout", "status", "deployment/recreate-demo", "--timeout=60s"]);
    const watch = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "get", "pods", "-l", "app=recreate-demo", "--watch", "--output-watch-events",
      "-o", "jsonpath={.type} {.object.metadata.name} {.object.metadata.labels.pod-template-hash}{\"\\n\"}"]);
    let text = "";
    watch.stdout.on("data", (d: Buffer) => (text += d.toString()));
    try {
      await eventually("the watch lists the 3 pods", () => text.split("\n").filter(Boolean).length >= 3);
      c.ok(["apply", "-f", "-"], manifest("2"));
      c.ok(["rollout", "status", "deployment/recreate-demo", "--timeout=60s"]);
      await eventually("the watch sees the 3 new pods", () => new Set(text.split("\n").filter((l) => l.startsWith("ADDED")).map((l) => l.split(" ")[2])).size === 2);
    } finally {
      watch.kill();
    }
    const live = new Map<string, string>();
    let overlaps = 0;
    for (const line of text.split("\n").filter(Boolean)) {
      const [type, name, hash] = line.split(" ");
      if (type === "DELETED") live.delete(name!);
      else live.set(name!, hash!);
      if (new Set(live.values()).size > 1) overlaps++;
    }
    assert.equal(overlaps, 0, `old and new pods overlapped:\n${text}`);
  });

  test("a rollout that never becomes ready stops at maxUnavailable, exceeds its deadline, and rollout status fails", async () => {
    c.ok(["create", "deployment", "stuck", "--image=ikubernetes/myapp:v1", "--replicas=4"]);
    c.ok(["patch", "deployment", "stuck", "-p", '{"spec":{"progressDeadlineSeconds":5}}']);
    c.ok(["rollout", "status", "deployment/stuck", "--timeout=60s"]);
    c.ok(["set", "image", "deployment/stuck", "myapp=ikubernetes/nosuch:v9"]);
    const r = c.kubectl(["rollout", "status", "deployment/stuck", "--timeout=60s"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: deployment "stuck" exceeded its progress deadline/);
    const d = c.json<{ status: { availableReplicas: number; conditions: Array<{ type: string; status: string; reason: string; message: string }> } }>(["get", "deployment", "stuck"]);
    const progressing = d.status.conditions.find((x) => x.type === "Progressing")!;
    assert.deepEqual([progressing.status, progressing.reason], ["False", "ProgressDeadlineExceeded"]);
    assert.match(progressing.message, /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
    // 25% of 4: one pod may be unavailable, so 3 of the old pods keep serving.
    assert.ok(d.status.availableReplicas >= 3, `available ${d.status.availableReplicas}`);
  });
});

/** Seed 002's nginx walk-through on `runtime`. */
export const describeSeed002 = (runtime: SeedRuntime) => void describe(`Deployment controller on --runtime ${runtime}: seed 002's nginx walk-through (create, scale, set image, restart, history, undo)`, { skip: seedRuntimeSkip(runtime) }, () => {
  let seed: SeedCluster;
  let c: Cluster;
  const history = () => rows(c.ok(["rollout", "history", "deployment", "nginx"])).slice(2).map((r) => r[0]);

  before(async () => {
    seed = await startSeedCluster(runtime);
    c = seed.cluster;
  });
  after(async () => {
    await seed?.stop();
  });

  test("create and scale 2 → 3, set image, restart and undo; -o wide and history print as upstream", async () => {
    assert.equal(c.ok(["create", "deployment", "nginx", "--image=nginx:1.18"]).trim(), "deployment.apps/nginx created");
    c.ok(["scale", "deployment", "nginx", "--replicas=2"]);
    c.ok(["scale", "deployment", "nginx", "--replicas=3"]);
    c.ok(["rollout", "status", "deployment/nginx", "--timeout=60s"]);
    if (podIPsAnswer(runtime)) {
      for (const p of livePods(c, "app=nginx")) assert.match(await get(`http://${p.status.podIP}/`), /<h1>Welcome to nginx!<\/h1>/, p.metadata.name);
    }
    c.ok(["set", "image", "deployment/nginx", "nginx=nginx:1.20.1"]);
    c.ok(["rollout", "status", "deployment/nginx", "--timeout=60s"]);
    const events = c.ok(["get", "events", "--field-selector", "involvedObject.kind=Deployment", "-o", "custom-columns=REASON:.reason,MESSAGE:.message"]);
    assert.match(events, /ScalingReplicaSet\s+Scaled up replica set nginx-\w+ to 1/);
    assert.match(events, /ScalingReplicaSet\s+(\(combined from similar events\): )?Scaled down replica set nginx-\w+ to 0/);

    assert.equal(c.ok(["rollout", "restart", "deployment", "nginx"]).trim(), "deployment.apps/nginx restarted");
    c.ok(["rollout", "status", "deployment/nginx", "--timeout=60s"]);
    assert.deepEqual(history(), ["1", "2", "3"]);
    assert.match(c.ok(["rollout", "history", "deployment", "nginx", "--revision=3"]),
      /deployment\.apps\/nginx with revision #3\nPod Template:\n\s+Labels:\s+app=nginx\n\s+pod-template-hash=\w+\n\s+Annotations:\s+kubectl\.kubernetes\.io\/restartedAt: \S+\n\s+Containers:\n\s+nginx:\n\s+Image:\s+nginx:1\.20\.1/);
    assert.equal(rows(c.ok(["get", "rs"])).length - 1, 3);

    assert.equal(c.ok(["rollout", "undo", "deployment", "nginx", "--to-revision=1"]).trim(), "deployment.apps/nginx rolled back");
    c.ok(["rollout", "status", "deployment/nginx", "--timeout=60s"]);
    const wide = rows(c.ok(["get", "deployments.apps", "-o", "wide"]));
    assert.deepEqual(wide[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    assert.deepEqual([wide[1]![0], wide[1]![1], wide[1]![2], wide[1]![3], wide[1]![5], wide[1]![6], wide[1]![7]], ["nginx", "3/3", "3", "3", "nginx", "nginx:1.18", "app=nginx"]);
    assert.deepEqual(history(), ["2", "3", "4"]);
    const rs = rows(c.ok(["get", "rs", "-o", "wide"]));
    assert.ok(rs.slice(1).some((r) => r[1] === "3" && r[6] === "nginx:1.18" && /^app=nginx,pod-template-hash=\w+$/.test(r[7]!)), rs.map((r) => r.join(" ")).join("\n"));
  });
});
