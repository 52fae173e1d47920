import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { PODS, SERVICES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { RCS, type Pod, isRunning, podLogs, waitFor, waitForPod } from "../core-kit.js";

/** Upstream's test/e2e/kubectl/kubectl.go and logs.go, driven with the real kubectl on PATH ($KUBECTL). */

/** kubectl in the case's namespace; fails with its stderr unless it exits 0 (or 1 when `diffExit`: kubectl diff found changes). */
async function kubectl(ctx: ConformanceContext, args: string[], input?: string, diffExit = false): Promise<string> {
  const bin = process.env.KUBECTL || "kubectl";
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--kubeconfig", ctx.cluster.kubeconfig, "-n", ctx.namespace, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => (code === 0 || (diffExit && code === 1) ? resolve(out) : reject(new Error(`kubectl ${args.join(" ")} exited ${code}: ${err}`))));
    child.stdin.end(input ?? "");
  });
}

const RC_YAML = (name: string, replicas: number, image = "ikubernetes/demoapp:v1.0") => `apiVersion: v1
kind: ReplicationController
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  replicas: ${replicas}
  selector: {app: ${name}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {terminationGracePeriodSeconds: 1, containers: [{name: ${name}, image: "${image}", ports: [{containerPort: 80}]}]}
`;

async function runningPods(ctx: ConformanceContext, selector: string, n: number): Promise<Pod[]> {
  return waitFor(`${n} running pods (${selector})`, async () => {
    const pods = (await ctx.client.list<Pod>(PODS, ctx.namespace, { labelSelector: selector })).items.filter((p) => isRunning(p) && !p.metadata.deletionTimestamp);
    return pods.length === n ? pods : undefined;
  }, 30_000);
}

/** Starts `kubectl proxy` with `args`, waits for its "Starting to serve" line, runs `body`, stops it. */
async function withProxy(ctx: ConformanceContext, args: string[], body: (line: string) => Promise<void>): Promise<void> {
  const child = spawn(process.env.KUBECTL || "kubectl", ["--kubeconfig", ctx.cluster.kubeconfig, "proxy", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const line = await waitFor("kubectl proxy to serve", async () => out.split("\n").find((l) => l.startsWith("Starting to serve on")), 10_000);
    await body(line);
  } finally {
    child.kill();
  }
}

const apiVersions = (text: string) => (JSON.parse(text) as { versions: string[] }).versions;

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-cli] Kubectl client Kubectl api-versions should check if v1 is in available api versions [Conformance]",
    run: async (ctx) => assert.ok((await kubectl(ctx, ["api-versions"])).split("\n").includes("v1")),
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl cluster-info should check if Kubernetes control plane services is included in cluster-info [Conformance]",
    run: async (ctx) => assert.match(await kubectl(ctx, ["cluster-info"]), /Kubernetes control plane/),
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl version should check is all data is printed [Conformance]",
    async run(ctx) {
      const out = await kubectl(ctx, ["version"]);
      assert.match(out, /Client Version: v\d+\.\d+/);
      assert.match(out, /Server Version: v\d+\.\d+/);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl run pod should create a pod from an image when restart is Never [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["run", "e2e-test-httpd-pod", "--restart=Never", "--pod-running-timeout=2m", "--image=nginx"]);
      const pod = await ctx.client.get<Pod>(PODS, ctx.namespace, "e2e-test-httpd-pod");
      assert.equal(pod.spec.containers[0]!.image, "nginx");
      assert.equal(pod.spec.restartPolicy, "Never");
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl replace should update a single-container pod's image [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["run", "e2e-test-httpd-pod", "--image=nginx:1.14", "--labels=run=e2e-test-httpd-pod"]);
      await waitForPod(ctx, "e2e-test-httpd-pod", "to run", isRunning);
      const json = (await kubectl(ctx, ["get", "pod", "e2e-test-httpd-pod", "-o", "json"])).replace('"image": "nginx:1.14"', '"image": "busybox:1.36"');
      await kubectl(ctx, ["replace", "-f", "-"], json);
      const pod = await ctx.client.get<Pod>(PODS, ctx.namespace, "e2e-test-httpd-pod");
      assert.equal(pod.spec.containers[0]!.image, "busybox:1.36");
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl server-side dry-run should check if kubectl can dry-run update Pods [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["run", "e2e-test-httpd-pod", "--image=nginx", "--labels=run=e2e-test-httpd-pod"]);
      await kubectl(ctx, ["patch", "pod", "e2e-test-httpd-pod", "-p", '{"spec":{"containers":[{"name": "e2e-test-httpd-pod","image": "busybox"}]}}', "--dry-run=server"]);
      assert.equal((await ctx.client.get<Pod>(PODS, ctx.namespace, "e2e-test-httpd-pod")).spec.containers[0]!.image, "nginx");
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl label should update the label on a resource [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["run", "pause", "--image=registry.k8s.io/pause:3.9"]);
      await kubectl(ctx, ["label", "pods", "pause", "testing-label=testing-label-value"]);
      assert.match(await kubectl(ctx, ["get", "pod", "pause", "-L", "testing-label"]), /testing-label-value/);
      await kubectl(ctx, ["label", "pods", "pause", "testing-label-"]);
      assert.doesNotMatch(await kubectl(ctx, ["get", "pod", "pause", "-L", "testing-label"]), /testing-label-value/);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl patch should add annotations for pods in rc [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["create", "-f", "-"], RC_YAML("agnhost-primary", 1));
      const [pod] = await runningPods(ctx, "app=agnhost-primary", 1);
      await kubectl(ctx, ["patch", "pod", pod!.metadata.name!, "-p", '{"metadata":{"annotations":{"x":"y"}}}']);
      assert.equal((await ctx.client.get(PODS, ctx.namespace, pod!.metadata.name!)).metadata.annotations?.x, "y");
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl describe should check if kubectl describe prints relevant information for rc and pods [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["create", "-f", "-"], RC_YAML("agnhost-primary", 1));
      await kubectl(ctx, ["expose", "rc", "agnhost-primary", "--port=6379", "--target-port=80"]);
      const [pod] = await runningPods(ctx, "app=agnhost-primary", 1);
      const podOut = await kubectl(ctx, ["describe", "pod", pod!.metadata.name!]);
      for (const re of [new RegExp(`Name:\\s+${pod!.metadata.name}`), new RegExp(`Namespace:\\s+${ctx.namespace}`), /Node:\s+\S+/, /Labels:\s+app=agnhost-primary/, /Status:\s+Running/, /IP:\s+\d+\.\d+\.\d+\.\d+/, /Controlled By:\s+ReplicationController\/agnhost-primary/]) assert.match(podOut, re);
      const rcOut = await kubectl(ctx, ["describe", "rc", "agnhost-primary"]);
      for (const re of [/Name:\s+agnhost-primary/, /Replicas:\s+1 current \/ 1 desired/, /Pods Status:\s+1 Running/]) assert.match(rcOut, re);
      const svcOut = await kubectl(ctx, ["describe", "service", "agnhost-primary"]);
      for (const re of [/Name:\s+agnhost-primary/, /Type:\s+ClusterIP/, /Port:\s+<unset>\s+6379\/TCP/, /Endpoints:\s+\d+\.\d+\.\d+\.\d+:80/]) assert.match(svcOut, re);
      const nodeOut = await kubectl(ctx, ["describe", "node", String(pod!.spec.nodeName)]);
      for (const re of [/Name:\s+\S+/, /Labels:/, /CreationTimestamp:/, /Conditions:/, /Addresses:/, /Capacity:/]) assert.match(nodeOut, re);
      assert.match(await kubectl(ctx, ["describe", "namespace", ctx.namespace]), /Status:\s+Active/);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl diff should check if kubectl diff finds a difference for Deployments [Conformance]",
    async run(ctx) {
      const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: httpd-deployment, labels: {app: httpd}}
spec:
  replicas: 1
  selector: {matchLabels: {app: httpd}}
  template: {metadata: {labels: {app: httpd}}, spec: {containers: [{name: httpd, image: "${image}"}]}}
`;
      await kubectl(ctx, ["apply", "-f", "-"], deployment("nginx:1.14"));
      const diff = await kubectl(ctx, ["diff", "-f", "-"], deployment("busybox:1.36"), true);
      assert.match(diff, /nginx:1\.14/);
      assert.match(diff, /busybox:1\.36/);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Kubectl expose should create services for rc [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["create", "-f", "-"], RC_YAML("agnhost-primary", 1));
      await runningPods(ctx, "app=agnhost-primary", 1);
      await kubectl(ctx, ["expose", "rc", "agnhost-primary", "--name=rm2", "--port=1234", "--target-port=80"]);
      const rm2 = await ctx.client.get<{ metadata: { name?: string }; spec: { ports: Array<{ port: number; targetPort: number }> } }>(SERVICES, ctx.namespace, "rm2");
      assert.deepEqual([rm2.spec.ports[0]!.port, rm2.spec.ports[0]!.targetPort], [1234, 80]);
      await kubectl(ctx, ["expose", "service", "rm2", "--name=rm3", "--port=2345", "--target-port=80"]);
      const rm3 = await ctx.client.get<{ metadata: { name?: string }; spec: { ports: Array<{ port: number; targetPort: number }> } }>(SERVICES, ctx.namespace, "rm3");
      assert.deepEqual([rm3.spec.ports[0]!.port, rm3.spec.ports[0]!.targetPort], [2345, 80]);
      await waitFor("rm3's endpoints", async () => /\d+\.\d+\.\d+\.\d+:80/.test(await kubectl(ctx, ["get", "endpoints", "rm3"])));
    },
  },
  {
    codename: "[sig-cli] Kubectl client Update Demo should create and stop a replication controller [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["create", "-f", "-"], RC_YAML("update-demo-nautilus", 2));
      await runningPods(ctx, "app=update-demo-nautilus", 2);
      await kubectl(ctx, ["delete", "--grace-period=0", "--force", "-f", "-"], RC_YAML("update-demo-nautilus", 2));
      await waitFor("the rc and its pods to be gone", async () => (await ctx.client.list(RCS, ctx.namespace)).items.length === 0 && (await ctx.client.list(PODS, ctx.namespace, { labelSelector: "app=update-demo-nautilus" })).items.length === 0);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Update Demo should scale a replication controller [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["create", "-f", "-"], RC_YAML("update-demo-nautilus", 2));
      await runningPods(ctx, "app=update-demo-nautilus", 2);
      await kubectl(ctx, ["scale", "rc", "update-demo-nautilus", "--replicas=1", "--timeout=5m"]);
      await runningPods(ctx, "app=update-demo-nautilus", 1);
      await kubectl(ctx, ["scale", "rc", "update-demo-nautilus", "--replicas=2", "--timeout=5m"]);
      await runningPods(ctx, "app=update-demo-nautilus", 2);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Proxy server should support proxy with --port 0 [Conformance]",
    run: (ctx) => withProxy(ctx, ["--port=0", "--disable-filter"], async (line) => {
      const port = /:(\d+)\s*$/.exec(line)![1];
      const res = await request(`http://127.0.0.1:${port}/api/`);
      assert.ok(apiVersions(await res.body.text()).length > 0);
    }),
  },
  {
    codename: "[sig-cli] Kubectl client Proxy server should support --unix-socket=/path [Conformance]",
    async run(ctx) {
      const dir = mkdtempSync(join(tmpdir(), "kubectl-proxy-unix-"));
      const socketPath = join(dir, "test");
      try {
        await withProxy(ctx, [`--unix-socket=${socketPath}`], async () => {
          const body = await new Promise<string>((resolve, reject) => {
            import("node:http").then(({ get }) => get({ socketPath, path: "/api/" }, (res) => {
              let t = "";
              res.on("data", (d: Buffer) => (t += d.toString())).on("end", () => resolve(t));
            }).on("error", reject), reject);
          });
          assert.ok(apiVersions(body).length > 0);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    codename: "[sig-cli] Kubectl logs logs should be able to retrieve and filter logs [Conformance]",
    async run(ctx) {
      await kubectl(ctx, ["run", "logs-generator", "--image=busybox", "--restart=Never", "--", "sh", "-c", "for i in 1 2 3 4 5; do echo \"line $i of the log\"; done; sleep 600"]);
      await waitFor("five log lines", async () => (await podLogs(ctx, "logs-generator")).split("\n").filter(Boolean).length === 5);
      assert.equal((await kubectl(ctx, ["logs", "logs-generator", "--tail=1"])).trim(), "line 5 of the log");
      assert.equal(await kubectl(ctx, ["logs", "logs-generator", "--limit-bytes=1"]), "l");
      assert.match((await kubectl(ctx, ["logs", "logs-generator", "--tail=1", "--timestamps"])).trim(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z line 5 of the log$/);
      assert.equal((await kubectl(ctx, ["logs", "logs-generator", "--since=24h"])).trim().split("\n").length, 5);
      await waitFor("--since=1s to leave the old lines out", async () => (await kubectl(ctx, ["logs", "logs-generator", "--since=1s"])).trim() === "", 5_000);
    },
  },
  {
    codename: "[sig-cli] Kubectl client Guestbook application should create and stop a working application [Conformance]",
    notServed: "the guestbook's agnhost images (frontend and redis-like store) are not in the process runtime's catalog",
    run: async () => {},
  },
];
