import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inCidr } from "../../api/ipv4.js";
import { canIsolate, Cluster, eventually } from "./harness.js";

interface NodeJson {
  metadata: { name: string };
  spec: { podCIDR?: string; podCIDRs?: string[] };
}

interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

/** A DaemonSet of the demo HTTP server with an httpGet readiness probe: one pod a node, Ready only if the kubelet reaches it. */
const daemonSet = (name: string) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}, ipam: "yes"}}
    spec:
      containers:
      - name: web
        image: ikubernetes/myapp:v1
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /readyz, port: 80}, periodSeconds: 1}
`;

describe("node IPAM: tug up --nodes 3 process nodes started at once", { skip: !canIsolate() && "needs root and the CNI plugins for pod networks" }, () => {
  let c: Cluster;
  const nodes = () => c.json<{ items: NodeJson[] }>(["get", "nodes"]).items;
  const pods = () => c.json<{ items: PodJson[] }>(["get", "pods", "-l", "ipam=yes"]).items;
  const ready = (p: PodJson) => p.status.conditions?.find((x) => x.type === "Ready")?.status === "True";

  before(async () => {
    c = await Cluster.start(["--nodes", "3", "--runtime", "process"]);
  });
  after(() => c.stop());

  test("NodeIpamController gives each node its own /24 of --cluster-cidr in spec.podCIDR and podCIDRs", async () => {
    await eventually("three nodes with pod CIDRs", () => nodes().length === 3 && nodes().every((n) => n.spec.podCIDR), 30_000);
    const cidrs = nodes().map((n) => n.spec.podCIDR!);
    assert.equal(new Set(cidrs).size, 3, `distinct pod CIDRs: ${cidrs.join(", ")}`);
    for (const n of nodes()) {
      assert.match(n.spec.podCIDR!, /^10\.\d+\.\d+\.0\/24$/);
      assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR]);
      assert.ok(inCidr(n.spec.podCIDR!.split("/")[0]!, c.clusterCIDR!), `${n.spec.podCIDR} in ${c.clusterCIDR}`);
    }
    await eventually("three Ready nodes", () => c.ok(["get", "nodes"]).match(/\sReady\s/g)?.length === 3, 30_000);
  });

  test("pods on each node get distinct IPs in their node's CIDR, pass httpGet readiness and answer from the host", async () => {
    c.ok(["apply", "-f", "-"], daemonSet("ipam-a") + "---" + daemonSet("ipam-b"));
    await eventually("six Ready pods", () => {
      const list = pods();
      return list.length === 6 && list.every(ready);
    }, 60_000);
    const cidrOf = new Map(nodes().map((n) => [n.metadata.name, n.spec.podCIDR!]));
    const list = pods();
    assert.equal(new Set(list.map((p) => p.status.podIP)).size, 6, `distinct pod IPs: ${list.map((p) => p.status.podIP).join(", ")}`);
    assert.equal(new Set(list.map((p) => p.spec.nodeName)).size, 3);
    for (const p of list) {
      assert.ok(inCidr(p.status.podIP!, cidrOf.get(p.spec.nodeName!)!), `${p.metadata.name} ${p.status.podIP} in ${cidrOf.get(p.spec.nodeName!)}`);
      const res = await fetch(`http://${p.status.podIP}/hostname.html`, { signal: AbortSignal.timeout(5000) });
      assert.equal(await res.text(), `${p.metadata.name}\n`);
    }
  });

  test("a deleted Node gives its CIDR back and a new Node gets a free one, never one in use", async () => {
    const before = new Map(nodes().map((n) => [n.metadata.name, n.spec.podCIDR!]));
    c.ok(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: "extra" } }));
    await eventually("extra gets a pod CIDR", () => Boolean(c.json<NodeJson>(["get", "node", "extra"]).spec.podCIDR));
    const extra = c.json<NodeJson>(["get", "node", "extra"]).spec.podCIDR!;
    assert.ok(![...before.values()].includes(extra), `${extra} is not one of ${[...before.values()].join(", ")}`);
    c.ok(["delete", "node", "extra"]);
  });
});
