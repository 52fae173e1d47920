import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "./harness.js";

/** kubectl ≥ 1.31 sends these as application/vnd.kubernetes.protobuf; older ones as JSON. Both must land. */
describe("kubectl create subcommands", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
  });

  test("create deployment makes upstream's object", () => {
    assert.match(c.ok(["create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "--port=80"]), /deployment.apps\/myapp created/);
    const d = c.json<{ spec: { replicas: number; selector: unknown; template: { spec: { containers: Array<Record<string, unknown>>; restartPolicy: string } } } }>(["get", "deploy", "myapp"]);
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: "myapp" } });
    const container = d.spec.template.spec.containers[0]!;
    assert.equal(container.image, "ikubernetes/myapp:v1");
    assert.deepEqual(container.ports, [{ containerPort: 80, protocol: "TCP" }]);
    assert.equal(container.imagePullPolicy, "IfNotPresent");
    assert.equal(d.spec.template.spec.restartPolicy, "Always");
  });

  test("create deployment --replicas=0 keeps the explicit zero", () => {
    c.ok(["create", "deployment", "zero", "--image=nginx", "--replicas=0"]);
    assert.equal(c.ok(["get", "deploy", "zero", "-o", "jsonpath={.spec.replicas}"]), "0");
  });

  test("create namespace, configmap, secret, serviceaccount", () => {
    c.ok(["create", "namespace", "team-a"]);
    c.ok(["create", "configmap", "cm1", "--from-literal=a=b", "--from-literal=c=d"]);
    c.ok(["create", "secret", "generic", "s1", "--from-literal=pw=secret"]);
    c.ok(["create", "serviceaccount", "robot"]);
    assert.equal(c.ok(["get", "ns", "team-a", "-o", "jsonpath={.status.phase}"]), "Active");
    assert.equal(c.ok(["get", "cm", "cm1", "-o", "jsonpath={.data.a}{.data.c}"]), "bd");
    assert.equal(c.ok(["get", "secret", "s1", "-o", "jsonpath={.data.pw}"]), Buffer.from("secret").toString("base64"));
    assert.match(c.ok(["get", "sa", "robot"]), /robot/);
  });

  test("create service, job and cronjob, and a job from the cronjob", () => {
    c.ok(["create", "service", "nodeport", "np1", "--tcp=80:8080"]);
    const svc = c.json<{ spec: { type: string; clusterIP: string; ports: Array<{ nodePort: number }>; selector: unknown } }>(["get", "svc", "np1"]);
    assert.equal(svc.spec.type, "NodePort");
    const nodePort = svc.spec.ports[0]!.nodePort;
    assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
    assert.deepEqual(svc.spec.ports, [{ name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080, nodePort }]);
    assert.match(c.ok(["get", "svc", "np1"]), new RegExp(`np1\\s+NodePort\\s+${svc.spec.clusterIP.replaceAll(".", "\\.")}\\s+<none>\\s+80:${nodePort}/TCP`));
    c.ok(["create", "job", "j1", "--image=busybox", "--", "echo", "hi"]);
    assert.equal(c.ok(["get", "job", "j1", "-o", "jsonpath={.spec.template.spec.containers[0].command}"]), '["echo","hi"]');
    c.ok(["create", "cronjob", "cj1", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"]);
    c.ok(["create", "job", "j2", "--from=cronjob/cj1"]);
    const job = c.json<{ metadata: { ownerReferences: Array<{ kind: string; name: string }> }; spec: { template: { spec: { restartPolicy: string } } } }>(["get", "job", "j2"]);
    assert.equal(job.metadata.ownerReferences[0]!.kind, "CronJob");
    assert.equal(job.metadata.ownerReferences[0]!.name, "cj1");
    assert.equal(job.spec.template.spec.restartPolicy, "OnFailure");
  });

  test("kubectl decodes the protobuf answers to its creates into the object JSON shows, managedFields included", () => {
    // kubectl's typed create asks for protobuf first; -o json prints what it decoded from our answer.
    const creates: Array<[string, string[]]> = [
      ["configmap/pb-cm", ["create", "configmap", "pb-cm", "--from-literal=a=b", "--from-literal=empty="]],
      ["secret/pb-secret", ["create", "secret", "generic", "pb-secret", "--from-literal=pw=secret"]],
      ["service/pb-svc", ["create", "service", "nodeport", "pb-svc", "--tcp=80:8080"]],
      ["role/pb-role", ["create", "role", "pb-role", "--verb=get,list", "--resource=pods,deployments.apps", "--resource-name=a"]],
      ["clusterrolebinding/pb-crb", ["create", "clusterrolebinding", "pb-crb", "--clusterrole=view", "--user=bob", "--serviceaccount=default:robot"]],
      ["namespace/pb-ns", ["create", "namespace", "pb-ns"]],
    ];
    for (const [ref, args] of creates) {
      const decoded = c.json<{ metadata: { managedFields?: unknown[] } }>([...args, "--show-managed-fields"]);
      assert.deepEqual(decoded, c.json(["get", ref, "--show-managed-fields"]), ref);
      assert.ok((decoded.metadata.managedFields ?? []).length > 0, `${ref} carries its managedFields`);
    }
  });
});
