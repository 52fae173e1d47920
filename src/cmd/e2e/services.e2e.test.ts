import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { canIsolate, Cluster, eventually, rows } from "./harness.js";

/** The demo Deployment of seed 002, with a readiness probe so a new pod joins the endpoints only when it answers. */
const demo = (strategy = "RollingUpdate") => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
spec:
  replicas: 3
  strategy:
    type: ${strategy}
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: demoapp
        image: ikubernetes/demoapp:v1.0
        ports:
        - {name: http, containerPort: 80}
        readinessProbe:
          httpGet: {path: /readyz, port: 80}
          periodSeconds: 1
`;

/** One GET on a new connection; resolves to the body, rejects on any failure. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: "/", agent: false, timeout: 3000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Sequential requests, each on a new connection, alternating between the targets, until stopped. */
class Traffic {
  ok = 0;
  failures: string[] = [];
  readonly versions = new Set<string>();
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(targets: Array<[string, number]>) {
    this.done = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const [host, port] = targets[i % targets.length]!;
        try {
          const body = await get(host, port);
          this.ok++;
          const version = /demoapp (v[\d.]+)/.exec(body)?.[1];
          if (version) this.versions.add(version);
        } catch (err) {
          this.failures.push(`${host}:${port} ${String(err)}`);
        }
      }
    })();
  }

  async stop(): Promise<this> {
    this.stopped = true;
    await this.done;
    return this;
  }
}

describe("Services: seed 002's experiment — rolling updates behind a NodePort drop no request", { skip: !canIsolate() && "needs root and the CNI plugins (pod IPs)" }, () => {
  let c: Cluster;
  let nodePort: number;
  let clusterIP: string;
  before(async () => {
    // A service range of its own, so tests running beside this one (their clusters on 10.96.0.0/12) share no address.
    c = await Cluster.start(["--nodes", "1", "--runtime", "process", "--service-cluster-ip-range", "10.128.0.0/16"]);
    c.ok(["apply", "-f", "-"], demo());
    try {
      c.ok(["rollout", "status", "deployment/demo", "--timeout=60s"]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${c.ok(["get", "pods", "-o", "wide"])}\n${c.ok(["describe", "pods"])}`, { cause: err });
    }
    c.ok(["expose", "deployment", "demo", "--type=NodePort", "--port=80", "--target-port=80"]);
    const svc = c.json<{ spec: { clusterIP: string; ports: Array<{ nodePort: number }> } }>(["get", "svc", "demo"]);
    nodePort = svc.spec.ports[0]!.nodePort;
    clusterIP = svc.spec.clusterIP;
  });
  after(async () => {
    await c?.stop();
  });
  const targets = (): Array<[string, number]> => [["127.0.0.1", nodePort], [clusterIP, 80]];

  test("kubectl get svc and ep show the cluster IP, the node port and the three ready pods", async () => {
    const table = rows(c.ok(["get", "svc"]));
    assert.deepEqual(table.find((r) => r[0] === "kubernetes")?.slice(1, 5), ["ClusterIP", "10.128.0.1", "<none>", "443/TCP"]);
    assert.match(c.ok(["get", "svc", "-n", "kube-system", "kube-dns"]), /kube-dns\s+ClusterIP\s+10\.128\.0\.10\s+<none>\s+53\/UDP,53\/TCP/);
    assert.deepEqual(table.find((r) => r[0] === "demo")?.slice(1, 5), ["NodePort", clusterIP, "<none>", `80:${nodePort}/TCP`]);
    assert.match(clusterIP, /^10\.128\./);
    await eventually("3 endpoints", () => (rows(c.ok(["get", "ep", "demo"]))[1]?.[1] ?? "").split(",").length === 3);
    const served = new Set<string>();
    for (let i = 0; i < 9; i++) served.add(/ServerName: ([\w-]+)/.exec(await get("127.0.0.1", nodePort))?.[1] ?? "");
    assert.equal(served.size, 3, "new connections are spread over the three pods");
  });

  test("a pod resolves services and a headless service's pods through the cluster DNS", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: named}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: named}}
spec:
  hostname: web-0
  subdomain: nginx
  containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "until nslookup web-0.nginx.default.svc.cluster.local >/dev/null 2>&1; do sleep 0.2; done; nslookup demo; nslookup web-0.nginx.default.svc.cluster.local; wget -qO- http://demo/; cat /etc/resolv.conf"]
`);
    await eventually("the client pod finished", () => c.ok(["get", "pod", "client", "-o", "jsonpath={.status.phase}"]) === "Succeeded", 30_000);
    const log = c.ok(["logs", "client"]);
    const web0 = c.ok(["get", "pod", "web-0", "-o", "jsonpath={.status.podIP}"]);
    assert.match(log, new RegExp(`Name:\\s+demo\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${clusterIP.replaceAll(".", "\\.")}`));
    assert.match(log, new RegExp(`Name:\\s+web-0\\.nginx\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${web0.replaceAll(".", "\\.")}`));
    assert.match(log, /iKubernetes demoapp v1\.0/);
    assert.match(log, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
  });

  test("rollout restart: not one request fails", async () => {
    const traffic = new Traffic(targets());
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.kubectlAsync(["rollout", "restart", "deployment/demo"])).code, 0);
    const status = await c.kubectlAsync(["rollout", "status", "deployment/demo", "--timeout=90s"]);
    assert.equal(status.code, 0, status.stderr);
    await new Promise((r) => setTimeout(r, 1000));
    await traffic.stop();
    assert.deepEqual(traffic.failures, []);
    assert.ok(traffic.ok > 50, `only ${traffic.ok} requests`);
  });

  test("set image: not one request fails, and both versions answer during the change", async () => {
    const traffic = new Traffic(targets());
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.kubectlAsync(["set", "image", "deployment/demo", "demoapp=ikubernetes/demoapp:v1.1"])).code, 0);
    const status = await c.kubectlAsync(["rollout", "status", "deployment/demo", "--timeout=90s"]);
    assert.equal(status.code, 0, status.stderr);
    await new Promise((r) => setTimeout(r, 1000));
    await traffic.stop();
    assert.deepEqual(traffic.failures, []);
    assert.deepEqual([...traffic.versions].sort(), ["v1.0", "v1.1"]);
  });

  test("Recreate: the same harness does see failures (old pods gone before new ones are ready)", async () => {
    c.ok(["patch", "deployment", "demo", "--type=merge", "-p", '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}']);
    const traffic = new Traffic(targets());
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.kubectlAsync(["set", "image", "deployment/demo", "demoapp=ikubernetes/demoapp:v1.2"])).code, 0);
    const status = await c.kubectlAsync(["rollout", "status", "deployment/demo", "--timeout=90s"]);
    assert.equal(status.code, 0, status.stderr);
    // Rolled out means the new pods are ready; the proxy hears of their endpoints a moment later.
    await eventually("traffic reaches v1.2", () => traffic.versions.has("v1.2"));
    await traffic.stop();
    assert.ok(traffic.failures.length > 0, "Recreate leaves a gap with no endpoints");
  });

  test("a service selecting nothing has no endpoints and its port refuses cleanly", async () => {
    c.ok(["create", "service", "nodeport", "nothing", "--tcp=80:80"]);
    const port = c.json<{ spec: { ports: Array<{ nodePort: number }> } }>(["get", "svc", "nothing"]).spec.ports[0]!.nodePort;
    await eventually("the node port is served", () => c.ok(["get", "ep", "nothing"]).includes("<none>"));
    await new Promise((r) => setTimeout(r, 300));
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: "127.0.0.1", port });
      s.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      s.on("close", () => resolve("closed"));
      s.setTimeout(3000, () => resolve("hung"));
    });
    assert.match(outcome, /ECONNRESET|ECONNREFUSED|closed/);
  });

  test("a requested node port in use → 422; a targetPort name no container has → no address for that pod", () => {
    const clash = c.kubectl(["create", "service", "nodeport", "clash", "--tcp=80:80", `--node-port=${nodePort}`]);
    assert.notEqual(clash.code, 0);
    assert.match(clash.stderr, new RegExp(`spec.ports\\[0\\].nodePort: Invalid value: ${nodePort}: provided port is already allocated`));
    c.ok(["apply", "-f", "-"], "apiVersion: v1\nkind: Service\nmetadata: {name: named}\nspec:\n  selector: {app: demo}\n  ports: [{port: 80, targetPort: grpc}]\n");
    const http = "apiVersion: v1\nkind: Service\nmetadata: {name: byname}\nspec:\n  selector: {app: demo}\n  ports: [{port: 80, targetPort: http}]\n";
    c.ok(["apply", "-f", "-"], http);
    return eventually("the named port resolves to 80 for every pod, and grpc to nothing", () =>
      (rows(c.ok(["get", "ep", "byname"]))[1]?.[1] ?? "").split(",").filter((a) => a.endsWith(":80")).length === 3
      && rows(c.ok(["get", "ep", "named"]))[1]?.[1] === "<none>");
  });
});
