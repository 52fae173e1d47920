import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Cluster, eventually, rows } from "./harness.js";
import { EtcdCluster, etcdMissing } from "../../store/etcd/testing.js";
import { EtcdClient, bytes, rangeEnd } from "../../store/etcd/client.js";

const missing = etcdMissing();

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ikubernetes/myapp:v1
`;

describe("tug up --store etcd: the cluster's objects live in a real etcd, reached over TLS", { skip: missing }, () => {
  let etcd: EtcdCluster;
  let c: Cluster;
  const running = () => rows(c.ok(["get", "pods", "-l", "app=web", "--no-headers"])).filter((r) => r[2] === "Running").length;

  before(async () => {
    // Over TLS with a client certificate, as kube-apiserver reaches etcd.
    etcd = await EtcdCluster.start({ tls: true });
    const tls = etcd.tls!;
    c = await Cluster.start([
      "--runtime", "process", "--store", "etcd", "--etcd-servers", etcd.endpoints.join(","), "--etcd-prefix", "/tug",
      "--etcd-cafile", tls.caFile, "--etcd-certfile", tls.certFile, "--etcd-keyfile", tls.keyFile,
    ]);
  });
  after(async () => {
    await c?.stop();
    await etcd?.close();
  });

  test("tug up --store etcd runs a Deployment's pods, keeps its objects in etcd, and finds them again after a restart", async () => {
    c.ok(["apply", "-f", "-"], deployment);
    await eventually("2 pods Running", () => running() === 2, 60_000, () => c.ok(["get", "pods", "-o", "wide"]));
    assert.equal(existsSync(join(c.dataDir, "state.sqlite")), false, "no SQLite file next to an etcd store");
    // Upstream's layout under the prefix: the object's JSON at /tug/<group>/<resource>/<namespace>/<name>.
    const client = new EtcdClient({ endpoints: etcd.endpoints, ...etcd.clientTls() });
    try {
      const raw = await client.range({ key: bytes("/tug/apps/deployments/default/web") });
      assert.equal(raw.kvs.length, 1);
      assert.equal(JSON.parse(Buffer.from(raw.kvs[0]!.value).toString()).metadata.name, "web");
      const pods = await client.range({ key: bytes("/tug/core/pods/default/"), rangeEnd: rangeEnd(bytes("/tug/core/pods/default/")), countOnly: true });
      assert.equal(Number(pods.count), 2);
    } finally {
      client.close();
    }
    const uidBefore = c.ok(["get", "deployment", "web", "-o", "jsonpath={.metadata.uid}"]);
    const podsBefore = c.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]);
    await c.restart();
    assert.equal(c.ok(["get", "deployment", "web", "-o", "jsonpath={.metadata.uid}"]), uidBefore);
    assert.equal(c.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]), podsBefore);
    await eventually("2 pods Running after the restart", () => running() === 2, 60_000, () => c.ok(["get", "pods", "-o", "wide"]));
    assert.match(c.ok(["rollout", "status", "deployment/web", "--timeout=60s"]), /successfully rolled out/);
  });
});
