import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually, rows } from "./harness.js";

/** Seed 000's ReplicaSet manifest ("ReplicaSet控制器"), with the image as a parameter. */
const rsDemo = (image: string, replicas = 2) => `
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: myapp
  namespace: default
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: myapp
      release: canary
  template:
    metadata:
      name: myapp-pod
      labels:
        app: myapp
        release: canary
        environment: qa
    spec:
      containers:
      - name: myapp-container
        image: ${image}
        ports:
        - name: http
          containerPort: 80
`;

describe("ReplicaSet and ReplicationController controllers with the garbage collector (seed 000)", () => {
  let c: Cluster;
  const podNames = (selector: string) => c.ok(["get", "pods", "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"]).split(" ").filter(Boolean);
  const images = () => rows(c.ok(["get", "pods", "-l", "app=myapp", "-o", "custom-columns=Name:metadata.name,Image:spec.containers[0].image"])).slice(1);
  const running = (selector: string, n: number) => () => {
    const table = rows(c.ok(["get", "pods", "-l", selector]));
    return table.length - 1 === n && table.slice(1).every((r) => r[1] === "1/1" && r[2] === "Running");
  };

  before(async () => {
    c = await Cluster.start(["--nodes", "2", "--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
  });

  test("apply creates <rs>-<5 chars> pods; get rs prints DESIRED/CURRENT/READY", async () => {
    assert.equal(c.ok(["apply", "-f", "-"], rsDemo("ikubernetes/myapp:v1")).trim(), "replicaset.apps/myapp created");
    await eventually("2 pods Running", running("app=myapp", 2));
    for (const name of podNames("app=myapp")) assert.match(name, /^myapp-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    await eventually("rs ready", () => /^myapp\s+2\s+2\s+2\s+\S+$/m.test(c.ok(["get", "rs"])));
    const wide = rows(c.ok(["get", "rs", "-o", "wide"]));
    assert.deepEqual(wide[0], ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    assert.deepEqual([wide[1]![5], wide[1]![6], wide[1]![7]], ["myapp-container", "ikubernetes/myapp:v1", "app=myapp,release=canary"]);
    const pod = c.json<{ metadata: { ownerReferences: Array<Record<string, unknown>> } }>(["get", "pod", podNames("app=myapp")[0]!]);
    assert.deepEqual(pod.metadata.ownerReferences.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]), [["ReplicaSet", "myapp", true, true]]);
    assert.match(c.ok(["describe", "rs", "myapp"]), /SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: myapp-\w{5}/);
  });

  test("scale to 4, 5 and 3 (edit, scale, scale)", async () => {
    c.ok(["patch", "rs", "myapp", "--type=merge", "-p", '{"spec":{"replicas":4}}']);
    await eventually("4 pods", running("app=myapp", 4));
    c.ok(["scale", "replicasets", "myapp", "--replicas=5"]);
    await eventually("5 pods", running("app=myapp", 5));
    c.ok(["scale", "replicasets", "myapp", "--replicas=3"]);
    await eventually("3 pods", running("app=myapp", 3));
    await eventually("status 3", () => /^myapp\s+3\s+3\s+3\s/m.test(c.ok(["get", "rs"])));
    assert.match(c.ok(["describe", "rs", "myapp"]), /SuccessfulDelete\s+\S+\s+replicaset-controller\s+Deleted pod: myapp-\w{5}/);
  });

  test("a new template leaves the pods alone; deleted pods come back on the new template", async () => {
    c.ok(["apply", "-f", "-"], rsDemo("ikubernetes/myapp:v2", 3));
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(images().every((r) => r[1] === "ikubernetes/myapp:v1"), "existing pods keep v1");
    const before = new Set(podNames("app=myapp"));
    c.ok(["delete", "pods", "-l", "app=myapp"]);
    await eventually("3 new pods on v2", () => {
      const now = images();
      return now.length === 3 && now.every((r) => r[1] === "ikubernetes/myapp:v2" && !before.has(r[0]!));
    });
  });

  test("delete --cascade=orphan keeps the pods, unowned; a new ReplicaSet adopts and counts them", async () => {
    c.ok(["delete", "replicasets", "myapp", "--cascade=orphan"]);
    assert.match(c.kubectl(["get", "rs"]).stderr, /No resources found/);
    const orphans = podNames("app=myapp");
    assert.equal(orphans.length, 3);
    await eventually("owner references removed", () => c.ok(["get", "pods", "-l", "app=myapp", "-o", "jsonpath={.items[*].metadata.ownerReferences}"]).trim() === "");
    c.ok(["apply", "-f", "-"], rsDemo("ikubernetes/myapp:v2", 3));
    await eventually("adopted", () => c.ok(["get", "pods", "-l", "app=myapp", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].name}"]).trim() === "myapp myapp myapp");
    assert.deepEqual(podNames("app=myapp").sort(), orphans.sort(), "no pod created or deleted");
  });

  test("foreground deletion removes the pods before the ReplicaSet; background deletion after it", async () => {
    c.ok(["delete", "rs", "myapp", "--cascade=foreground"]);
    assert.equal(c.kubectl(["get", "rs", "myapp"]).code, 1);
    assert.deepEqual(podNames("app=myapp"), []);
    c.ok(["apply", "-f", "-"], rsDemo("ikubernetes/myapp:v1", 2));
    await eventually("2 pods", running("app=myapp", 2));
    c.ok(["delete", "rs", "myapp"]);
    await eventually("pods collected", () => podNames("app=myapp").length === 0);
  });

  test("matchExpressions selectors, and a bare pod matching the selector is adopted and counted", async () => {
    c.ok(["run", "bare", "--image=ikubernetes/myapp:v1", "--labels=app=web,tier=frontend"]);
    await eventually("bare Running", running("app=web", 1));
    c.ok(["apply", "-f", "-"], `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector:
    matchExpressions:
    - {key: app, operator: In, values: [web, site]}
    - {key: tier, operator: Exists}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec:
      containers: [{name: web, image: ikubernetes/myapp:v1}]
`);
    await eventually("3 pods", running("app=web", 3));
    assert.ok(podNames("app=web").includes("bare"));
    assert.equal(c.ok(["get", "pod", "bare", "-o", "jsonpath={.metadata.ownerReferences[0].name}"]), "web");
    assert.match(rows(c.ok(["get", "rs", "web", "-o", "wide"]))[1]![7]!, /^app in \(site,web\),tier$/);
  });

  test("a v1 ReplicationController keeps its pods", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 2
  selector: {app: rc1}
  template:
    metadata: {labels: {app: rc1}}
    spec:
      containers: [{name: c, image: ikubernetes/myapp:v1}]
`);
    await eventually("2 pods", running("app=rc1", 2));
    const [first] = podNames("app=rc1");
    c.ok(["delete", "pod", first!]);
    await eventually("replaced", () => podNames("app=rc1").length === 2 && !podNames("app=rc1").includes(first!));
    assert.match(c.ok(["get", "rc", "rc1"]), /rc1\s+2\s+2\s+2/);
    assert.equal(c.ok(["get", "pods", "-l", "app=rc1", "-o", "jsonpath={.items[0].metadata.ownerReferences[0].kind}"]), "ReplicationController");
  });

  test("a template the API rejects at pod creation: FailedCreate events and a ReplicaFailure condition", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: broken}
spec:
  replicas: 2
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      serviceAccountName: nosuch
      containers: [{name: c, image: ikubernetes/myapp:v1}]
`);
    await eventually("ReplicaFailure", () => c.ok(["get", "rs", "broken", "-o", "jsonpath={.status.conditions[0].type}"]) === "ReplicaFailure");
    assert.match(c.ok(["describe", "rs", "broken"]), /FailedCreate\s+.*replicaset-controller\s+Error creating: pods "broken-" is forbidden: error looking up service account default\/nosuch: serviceaccount "nosuch" not found/);
    assert.match(c.ok(["get", "rs", "broken", "-o", "jsonpath={.status.conditions[0].reason}"]), /^FailedCreate$/);
    assert.deepEqual(podNames("app=broken"), []);
    // It is retried with back-off, not in a hot loop: a handful of attempts in two seconds.
    const attempts = () => Number(/FailedCreate\s+\S+ \(x(\d+) over/.exec(c.ok(["describe", "rs", "broken"]))?.[1] ?? 1);
    const first = attempts();
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(attempts() - first < 10, `${attempts() - first} attempts in 2 s`);
    c.ok(["apply", "-f", "-"], "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: nosuch}\n");
    await eventually("pods once the account exists", () => podNames("app=broken").length === 2, 30_000);
    await eventually("ReplicaFailure cleared", () => c.ok(["get", "rs", "broken", "-o", "jsonpath={.status.conditions}"]) === "");
  });

  test("a template whose labels do not match the selector is rejected with 422", () => {
    const r = c.kubectl(["apply", "-f", "-"], `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: mismatch}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: b}}
    spec:
      containers: [{name: c, image: busybox}]
`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /`selector` does not match template `labels`/);
  });

  test("the controller manager's /metrics reports queue depth, adds, retries and sync latency", async () => {
    const url = c.logEntries().find((e) => e.msg === "Controller manager metrics")?.url as string | undefined;
    assert.ok(url, "tug up logs where the metrics are");
    const text = await (await fetch(url)).text();
    for (const name of ["replicaset-controller", "replication-controller", "garbage-collector"]) {
      assert.match(text, new RegExp(`workqueue_depth\\{name="${name}"\\} \\d+`));
      assert.match(text, new RegExp(`workqueue_adds_total\\{name="${name}"\\} [1-9]`));
      assert.match(text, new RegExp(`controller_sync_duration_seconds_count\\{name="${name}"\\} [1-9]`));
    }
    assert.match(text, /workqueue_retries_total\{name="replicaset-controller"\} [1-9]/);
  });
});
