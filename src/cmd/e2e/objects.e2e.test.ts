import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, rows } from "./harness.js";

const deployment = (name: string, replicas: number, image = "ikubernetes/myapp:v1") => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: myapp
        image: ${image}
        ports: [{containerPort: 80, name: http}]
`;

describe("kubectl against tug up", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
  });

  test("get namespaces lists the system namespaces", () => {
    const out = c.ok(["get", "namespaces"]);
    const names = rows(out).slice(1).map((r) => r[0]);
    assert.deepEqual(names, ["default", "kube-node-lease", "kube-public", "kube-system"]);
    assert.match(out, /^NAME\s+STATUS\s+AGE/);
  });

  test("apply creates, then is unchanged, then configured", () => {
    assert.match(c.ok(["apply", "-f", "-"], deployment("deploy-demo", 3)), /deployment.apps\/deploy-demo created/);
    assert.match(c.ok(["apply", "-f", "-"], deployment("deploy-demo", 3)), /deployment.apps\/deploy-demo unchanged/);
    assert.match(c.ok(["apply", "-f", "-"], deployment("deploy-demo", 4)), /deployment.apps\/deploy-demo configured/);
    const d = c.json<{ spec: { replicas: number; strategy: unknown; revisionHistoryLimit: number }; metadata: { generation: number } }>(["get", "deploy", "deploy-demo"]);
    assert.equal(d.spec.replicas, 4);
    assert.equal(d.metadata.generation, 2);
    assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
  });

  test("get -o wide prints upstream's deployment columns", () => {
    const table = rows(c.ok(["get", "deployment", "deploy-demo", "-o", "wide"]));
    assert.deepEqual(table[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    assert.deepEqual([table[1]![0], table[1]![5], table[1]![6], table[1]![7]], ["deploy-demo", "myapp", "ikubernetes/myapp:v1", "app=deploy-demo"]);
    assert.match(table[1]![1]!, /^[0-4]\/4$/, "READY counts the deployment's ready pods out of 4");
  });

  test("scale, patch (all three types), label and annotate change the object", () => {
    c.ok(["scale", "deployment", "deploy-demo", "--replicas=5"]);
    assert.equal(c.ok(["get", "deploy", "deploy-demo", "-o", "jsonpath={.spec.replicas}"]), "5");
    c.ok(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"replicas":2}}']);
    c.ok(["patch", "deployment", "deploy-demo", "--type=merge", "-p", '{"spec":{"minReadySeconds":3}}']);
    c.ok(["patch", "deployment", "deploy-demo", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":6}]']);
    c.ok(["set", "image", "deployment/deploy-demo", "myapp=ikubernetes/myapp:v2"]);
    c.ok(["label", "deployment", "deploy-demo", "tier=web"]);
    c.ok(["annotate", "deployment", "deploy-demo", "note=hello"]);
    const out = c.ok(["get", "deploy", "deploy-demo", "-o", "jsonpath={.spec.replicas} {.spec.minReadySeconds} {.spec.template.spec.containers[0].image} {.metadata.labels.tier} {.metadata.annotations.note}"]);
    assert.equal(out, "6 3 ikubernetes/myapp:v2 web hello");
    assert.match(c.ok(["get", "deploy", "deploy-demo", "--show-labels"]), /tier=web/);
    const cols = c.ok(["get", "deploy", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas"]);
    assert.match(cols, /deploy-demo\s+6/);
  });

  test("edit and replace round-trip the object", () => {
    const edited = c.kubectl(["edit", "deployment", "deploy-demo"], undefined, { EDITOR: "sed -i s/replicas:\\ 6/replicas:\\ 8/", KUBE_EDITOR: "" });
    assert.match(edited.stdout, /deployment.apps\/deploy-demo edited/);
    assert.equal(c.ok(["get", "deploy", "deploy-demo", "-o", "jsonpath={.spec.replicas}"]), "8");
    // kubectl replace fills in the resourceVersion it reads just before its PUT (resource.Helper.Replace), so
    // the controller writing the status in between is a 409, upstream too: settle first, and replace again
    // on a conflict, as a user would.
    c.ok(["rollout", "status", "deployment/deploy-demo", "--timeout=60s"]);
    const yaml = c.ok(["get", "deploy", "deploy-demo", "-o", "yaml"]).replace(/^ {2}resourceVersion: .*\n/m, "");
    let replaced = c.kubectl(["replace", "-f", "-"], yaml.replace("replicas: 8", "replicas: 7"));
    for (let i = 0; i < 5 && replaced.code !== 0 && /Conflict/.test(replaced.stderr); i++) replaced = c.kubectl(["replace", "-f", "-"], yaml.replace("replicas: 8", "replicas: 7"));
    assert.match(replaced.stdout, /replaced/, replaced.stderr);
    assert.equal(c.ok(["get", "deploy", "deploy-demo", "-o", "jsonpath={.spec.replicas}"]), "7");
  });

  test("invalid objects get upstream's 422 messages", () => {
    const r = c.kubectl(["apply", "-f", "-"], deployment("zero", 1).replace("spec:\n  replicas", "spec:\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n  replicas"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Deployment "zero" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString\{Type:0, IntVal:0, StrVal:""\}: may not be 0 when `maxSurge` is 0/);
    const mismatch = c.kubectl(["apply", "-f", "-"], deployment("mismatch", 1).replace("labels: {app: mismatch}", "labels: {app: other}"));
    assert.match(mismatch.stderr, /spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
    const immutable = c.kubectl(["patch", "deployment", "deploy-demo", "-p", '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']);
    assert.match(immutable.stderr, /spec.selector: Invalid value: .*field is immutable/);
  });

  test("describe prints upstream's deployment block", () => {
    const out = c.ok(["describe", "deployment", "deploy-demo"]);
    assert.match(out, /^Name:\s+deploy-demo$/m);
    assert.match(out, /^Namespace:\s+default$/m);
    assert.match(out, /^Selector:\s+app=deploy-demo$/m);
    assert.match(out, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(out, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(out, /Image:\s+ikubernetes\/myapp:v2/);
  });

  test("explain reads the OpenAPI v3 documents", () => {
    const out = c.ok(["explain", "deployment.spec.strategy"]);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /FIELD: strategy <DeploymentStrategy>/);
    assert.match(out, /rollingUpdate\s+<RollingUpdateDeployment>/);
    assert.match(c.ok(["explain", "rs.spec"]), /selector\s+<LabelSelector> -required-/);
    assert.match(c.ok(["explain", "daemonset"]), /DaemonSet represents the configuration of a daemon set/);
  });

  test("get -l filters by label and -o yaml prints the object", () => {
    c.ok(["apply", "-f", "-"], deployment("canary", 1).replace("name: canary", "name: canary\n  labels: {track: canary}"));
    const names = c.ok(["get", "deploy", "-l", "track=canary", "-o", "name"]).trim().split("\n");
    assert.deepEqual(names, ["deployment.apps/canary"]);
    assert.deepEqual(c.ok(["get", "deploy", "-l", "track!=canary", "-o", "name"]).trim().split("\n").includes("deployment.apps/canary"), false);
    const yaml = c.ok(["get", "deploy", "canary", "-o", "yaml"]);
    assert.match(yaml, /^kind: Deployment$/m);
    assert.match(yaml, /^ {2}resourceVersion: "\d+"$/m);
  });

  test("--dry-run=server validates without writing", () => {
    assert.match(c.ok(["create", "deployment", "dry", "--image=nginx", "--dry-run=server"]), /deployment.apps\/dry created \(server dry run\)/);
    assert.match(c.kubectl(["get", "deploy", "dry"]).stderr, /not found/);
  });

  test("unknown fields are refused as upstream's strict decoding error; a wrong type is a 400", () => {
    const typo = c.kubectl(["apply", "-f", "-"], deployment("typo", 1).replace("  replicas: 1", "  replicas: 1\n  replicaz: 2"));
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicaz"/);
    const wrongType = c.kubectl(["apply", "--validate=false", "-f", "-"], deployment("wrongtype", 1).replace("replicas: 1", "replicas: three"));
    assert.match(wrongType.stderr, /cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32/);
    const warned = c.kubectl(["apply", "--validate=warn", "-f", "-"], deployment("warned", 1).replace("  replicas: 1", "  replicas: 1\n  bogus: x"));
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /Warning: unknown field "spec.bogus"/);
  });

  test("unknown resources and objects are 404s", () => {
    assert.match(c.kubectl(["get", "deploy", "nope"]).stderr, /Error from server \(NotFound\): deployments.apps "nope" not found/);
    assert.match(c.kubectl(["get", "frobnicators"]).stderr, /the server doesn't have a resource type "frobnicators"/);
  });

  test("get -w streams a change", async () => {
    const { spawn } = await import("node:child_process");
    const { KUBECTL } = await import("./harness.js");
    const w = spawn(KUBECTL, ["--kubeconfig", c.kubeconfig, "get", "deploy", "deploy-demo", "-w", "--request-timeout=10s"]);
    let out = "";
    w.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 700));
    c.ok(["scale", "deployment", "deploy-demo", "--replicas=9"]);
    const deadline = Date.now() + 5000;
    while (!/\d\/9/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    w.kill();
    assert.match(out, /deploy-demo\s+\d\/7/);
    assert.match(out, /deploy-demo\s+\d\/9/);
  });

  test("delete removes the object; with --cascade=orphan once the garbage collector drops the orphan finalizer", () => {
    c.ok(["apply", "-f", "-"], deployment("to-orphan", 1));
    assert.match(c.ok(["delete", "deployment", "to-orphan", "--cascade=orphan"]), /deployment.apps "to-orphan" deleted/);
    assert.match(c.kubectl(["get", "deploy", "to-orphan"]).stderr, /not found/);
    c.ok(["apply", "-f", "-"], deployment("to-delete", 1));
    assert.match(c.ok(["delete", "deployment", "to-delete"]), /deployment.apps "to-delete" deleted/);
    assert.match(c.kubectl(["get", "deploy", "to-delete"]).stderr, /not found/);
  });

  test("a deleted namespace empties and goes", async () => {
    c.ok(["apply", "-f", "-"], `apiVersion: v1\nkind: Namespace\nmetadata: {name: scratch}\n`);
    c.ok(["-n", "scratch", "apply", "-f", "-"], deployment("inside", 1));
    c.ok(["delete", "namespace", "scratch"]);
    assert.match(c.kubectl(["get", "namespace", "scratch"]).stderr, /not found/);
    assert.match(c.kubectl(["-n", "scratch", "get", "deploy", "inside"]).stderr, /not found/);
  });

  test("objects survive a restart on the same data dir", async () => {
    const before = c.ok(["get", "deploy", "deploy-demo", "-o", "jsonpath={.metadata.uid} {.spec.replicas}"]);
    await c.restart();
    assert.equal(c.ok(["get", "deploy", "deploy-demo", "-o", "jsonpath={.metadata.uid} {.spec.replicas}"]), before);
  });
});
