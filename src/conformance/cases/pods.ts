import assert from "node:assert/strict";
import { isIP } from "node:net";
import { Agent, WebSocket } from "undici";
import { PODS, SERVICES } from "../../client/resources.js";
import { loadKubeconfig } from "../../client/rest.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { Collector, type Pod, deleteCollection, isRunning, names, podLogs, runToEnd, shPod, startPod, waitFor, waitForPod, webPod } from "../core-kit.js";
import { updateWithRetries } from "../kit.js";

/** Upstream's test/e2e/common/node/pods.go, test/e2e/node/pods.go (QOS) and test/e2e/node/pre_stop.go. */

const SLEEPER = (name: string, labels: Record<string, string> = {}): Pod => shPod(name, "sleep 3600", { labels, spec: { restartPolicy: "Always" } });

async function logsOverWebSocket(ctx: ConformanceContext, pod: string): Promise<string> {
  const cfg = loadKubeconfig(ctx.cluster.kubeconfig);
  const url = new URL(`/api/v1/namespaces/${ctx.namespace}/pods/${pod}/log?container=main`, cfg.server);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url, { protocols: ["binary.k8s.io"], dispatcher: new Agent({ connect: { ca: cfg.ca, cert: cfg.cert, key: cfg.key } }), headers: cfg.token ? { Authorization: `Bearer ${cfg.token}` } : {} } as unknown as string[]);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    let text = "";
    ws.addEventListener("message", (e: { data: unknown }) => (text += typeof e.data === "string" ? e.data : Buffer.from(e.data as ArrayBuffer).toString("utf8")));
    ws.addEventListener("error", () => reject(new Error(`The log WebSocket failed (${url.pathname})`)));
    ws.addEventListener("close", () => resolve(text));
    setTimeout(() => ws.close(), 5_000).unref();
  });
}

/** Runs `command` through pods/exec over a WebSocket (`channel.k8s.io`, as upstream's test): what came on each channel. */
async function execOverWebSocket(ctx: ConformanceContext, pod: string, command: string[]): Promise<Map<number, string>> {
  const cfg = loadKubeconfig(ctx.cluster.kubeconfig);
  const url = new URL(`/api/v1/namespaces/${ctx.namespace}/pods/${pod}/exec?${command.map((c) => `command=${encodeURIComponent(c)}`).join("&")}&container=main&stderr=1&stdout=1`, cfg.server);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url, { protocols: ["channel.k8s.io"], dispatcher: new Agent({ connect: { ca: cfg.ca, cert: cfg.cert, key: cfg.key } }), headers: cfg.token ? { Authorization: `Bearer ${cfg.token}` } : {} } as unknown as string[]);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    const channels = new Map<number, string>();
    ws.addEventListener("message", (e: { data: unknown }) => {
      const bytes = Buffer.from(e.data as ArrayBuffer);
      if (bytes.length > 1) channels.set(bytes[0]!, (channels.get(bytes[0]!) ?? "") + bytes.subarray(1).toString("utf8"));
    });
    ws.addEventListener("error", () => reject(new Error(`The exec WebSocket failed (${url.pathname})`)));
    ws.addEventListener("close", () => resolve(channels));
    setTimeout(() => ws.close(), 10_000).unref();
  });
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] Pods Extended Pods Set QOS Class should be set on Pods with matching resource requests and limits for memory and cpu [Conformance]",
    async run(ctx) {
      const resources = { limits: { cpu: "100m", memory: "100Mi" }, requests: { cpu: "100m", memory: "100Mi" } };
      const pod = await ctx.client.create<Pod>(PODS, ctx.namespace, { ...webPod("pod-qos-class"), spec: { containers: [{ name: "agnhost", image: "registry.k8s.io/pause:3.9", resources }] } });
      assert.equal(pod.status?.qosClass, "Guaranteed");
      const got = await ctx.client.get<Pod>(PODS, ctx.namespace, "pod-qos-class");
      assert.equal(got.status?.qosClass, "Guaranteed");
    },
  },
  {
    codename: "[sig-node] Pods should get a host IP [NodeConformance] [Conformance]",
    async run(ctx) {
      const pod = await waitForPod(ctx, (await ctx.client.create<Pod>(PODS, ctx.namespace, SLEEPER("pod-hostip"))).metadata.name!, "to have a host IP", (p) => !!p.status?.hostIP);
      assert.ok(isIP(pod.status!.hostIP!), `hostIP ${pod.status!.hostIP} is an IP`);
      const ips = (pod.status as { hostIPs?: Array<{ ip: string }> }).hostIPs;
      if (ips) assert.equal(ips[0]?.ip, pod.status!.hostIP, "hostIPs[0] is hostIP");
    },
  },
  {
    codename: "[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]",
    async run(ctx) {
      const labels = { name: "foo", time: String(Date.now()) };
      const selector = `time=${labels.time}`;
      assert.deepEqual(await names(ctx, PODS, selector), [], "no pod before");
      const watch = await Collector.start<Pod>(ctx, PODS, ctx.namespace, { labelSelector: selector });
      await ctx.client.create(PODS, ctx.namespace, SLEEPER("pod-submit-remove", labels));
      assert.deepEqual(await names(ctx, PODS, selector), ["pod-submit-remove"], "the pod is found by its label");
      await watch.waitFor("ADDED", (e) => e.type === "ADDED");
      await waitForPod(ctx, "pod-submit-remove", "to run", isRunning);
      await ctx.client.delete(PODS, ctx.namespace, "pod-submit-remove", { gracePeriodSeconds: 30 });
      const marked = await watch.waitFor("a MODIFIED with the deletion timestamp", (e) => e.type === "MODIFIED" && !!e.object.metadata.deletionTimestamp);
      assert.equal(marked[0]!.object.metadata.deletionGracePeriodSeconds, 30);
      await watch.waitFor("DELETED", (e) => e.type === "DELETED", 1, 45_000);
      watch.stop();
      assert.deepEqual(await names(ctx, PODS, selector), [], "no pod after");
    },
  },
  {
    codename: "[sig-node] Pods should be updated [NodeConformance] [Conformance]",
    async run(ctx) {
      const time = String(Date.now());
      await ctx.client.create(PODS, ctx.namespace, SLEEPER("pod-update", { name: "foo", time }));
      await waitForPod(ctx, "pod-update", "to run", isRunning);
      // As upstream's podClient.Update: read and update again on a conflict (the kubelet writes the status meanwhile).
      await updateWithRetries<Pod>(ctx, PODS, "pod-update", (pod) => {
        pod.metadata.labels = { ...pod.metadata.labels, time: "value2" };
      });
      assert.deepEqual(await names(ctx, PODS, "time=value2"), ["pod-update"]);
      assert.deepEqual(await names(ctx, PODS, `time=${time}`), []);
    },
  },
  {
    codename: "[sig-node] Pods should allow activeDeadlineSeconds to be updated [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, SLEEPER("pod-update-activedeadlineseconds", { name: "foo" }));
      await waitForPod(ctx, "pod-update-activedeadlineseconds", "to run", isRunning);
      await ctx.client.patch(PODS, ctx.namespace, "pod-update-activedeadlineseconds", "strategic", { spec: { activeDeadlineSeconds: 5 } });
      const failed = await waitForPod(ctx, "pod-update-activedeadlineseconds", "to fail DeadlineExceeded", (p) => p.status?.phase === "Failed", 30_000);
      assert.equal((failed.status as { reason?: string }).reason, "DeadlineExceeded");
    },
  },
  {
    codename: "[sig-node] Pods should contain environment variables for services [NodeConformance] [Conformance]",
    async run(ctx) {
      await startPod(ctx, { ...webPod("server-envvars", { name: "server-envvars" }), spec: { containers: [{ name: "srv", image: "ikubernetes/demoapp:v1.0", env: [{ name: "PORT", value: "8080" }], ports: [{ containerPort: 8080 }] }] } });
      const svc = await ctx.client.create<{ metadata: { name?: string }; spec: { clusterIP: string } }>(SERVICES, ctx.namespace, {
        apiVersion: "v1", kind: "Service", metadata: { name: "fooservice", labels: { name: "fooservice" } },
        spec: { selector: { name: "server-envvars" }, ports: [{ port: 8765, targetPort: 8080 }] },
      });
      const ip = svc.spec.clusterIP;
      const { logs } = await runToEnd(ctx, shPod("client-envvars", "env"));
      for (const line of [
        `FOOSERVICE_SERVICE_HOST=${ip}`, "FOOSERVICE_SERVICE_PORT=8765", `FOOSERVICE_PORT=tcp://${ip}:8765`, `FOOSERVICE_PORT_8765_TCP_PORT=8765`,
        "FOOSERVICE_PORT_8765_TCP_PROTO=tcp", `FOOSERVICE_PORT_8765_TCP=tcp://${ip}:8765`, `FOOSERVICE_PORT_8765_TCP_ADDR=${ip}`,
      ]) assert.ok(logs.split("\n").includes(line), `the client's environment has ${line}`);
    },
  },
  {
    codename: "[sig-node] Pods should delete a collection of pods [Conformance]",
    async run(ctx) {
      for (const n of ["test-pod-1", "test-pod-2", "test-pod-3"]) await ctx.client.create(PODS, ctx.namespace, SLEEPER(n, { type: "Testing" }));
      await waitFor("three pods running", async () => (await ctx.client.list<Pod>(PODS, ctx.namespace, { labelSelector: "type=Testing" })).items.filter(isRunning).length === 3);
      await deleteCollection(ctx, PODS, "type=Testing");
      await waitFor("the pods to be gone", async () => (await names(ctx, PODS, "type=Testing")).length === 0);
    },
  },
  {
    codename: "[sig-node] Pods should patch a pod status [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, SLEEPER("pod-patch-status"));
      await waitForPod(ctx, "pod-patch-status", "to run", isRunning);
      const patched = await ctx.client.patch<Pod>(PODS, ctx.namespace, "pod-patch-status", "strategic", {
        metadata: { annotations: { patchedstatus: "true" } },
        status: { message: "Patched by e2e test", reason: "E2E" },
      }, "status");
      assert.equal((patched.status as { message?: string }).message, "Patched by e2e test");
      assert.equal((patched.status as { reason?: string }).reason, "E2E");
      assert.equal(patched.metadata.annotations?.patchedstatus, "true");
    },
  },
  {
    codename: "[sig-node] Pods should run through the lifecycle of Pods and PodStatus [Conformance]",
    async run(ctx) {
      const watch = await Collector.start<Pod>(ctx, PODS, ctx.namespace, { labelSelector: "test-pod-static=true" });
      await ctx.client.create(PODS, ctx.namespace, { ...SLEEPER("pod-test", { "test-pod-static": "true" }), spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "pod-test", image: "registry.k8s.io/pause:3.9" }] } });
      await watch.waitFor("the pod to be running and ready", (e) => isRunning(e.object) && !!e.object.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      const patched = await ctx.client.patch<Pod>(PODS, ctx.namespace, "pod-test", "strategic", {
        metadata: { labels: { "test-pod": "patched" } },
        spec: { containers: [{ name: "pod-test", image: "registry.k8s.io/pause:3.9" }] },
      });
      assert.equal(patched.metadata.labels?.["test-pod"], "patched");
      await watch.waitFor("the patched label", (e) => e.type === "MODIFIED" && e.object.metadata.labels?.["test-pod"] === "patched");
      // As upstream, on a conflict again (retry.RetryOnConflict): the kubelet writes the status too.
      const replaced = await updateWithRetries<Pod>(ctx, PODS, "pod-test", (status) => {
        status.status!.conditions = (status.status?.conditions ?? []).map((c) => (c.type === "Ready" ? { ...c, status: "True" } : c));
        status.status!.conditions.push({ type: "e2e.example.com/Replaced", status: "True", reason: "E2E" });
      }, "status");
      assert.ok(replaced.status?.conditions?.some((c) => c.type === "e2e.example.com/Replaced"), "the replaced status holds the new condition");
      await ctx.client.delete(PODS, ctx.namespace, "pod-test", { gracePeriodSeconds: 1 });
      await watch.waitFor("DELETED", (e) => e.type === "DELETED", 1, 30_000);
      watch.stop();
    },
  },
  {
    codename: "[sig-node] Pods should support remote command execution over websockets [NodeConformance] [Conformance]",
    async run(ctx) {
      await startPod(ctx, shPod("pod-exec-websocket", "echo container is alive; sleep 600", { spec: { restartPolicy: "Always" } }));
      const channels = await execOverWebSocket(ctx, "pod-exec-websocket", ["cat", "/etc/resolv.conf"]);
      assert.equal(channels.get(3) ?? "", "", "nothing on the error channel");
      assert.match(channels.get(1) ?? "", /nameserver/, "the pod's resolv.conf on stdout");
    },
  },
  {
    codename: "[sig-node] Pods should support retrieving logs from the container over websockets [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, shPod("pod-logs-websocket", "echo container is alive; sleep 10000", { spec: { restartPolicy: "Always" } }));
      await waitFor("the log line", async () => (await podLogs(ctx, "pod-logs-websocket")).includes("container is alive"));
      const text = await logsOverWebSocket(ctx, "pod-logs-websocket");
      assert.equal(text, "container is alive\n");
    },
  },
  {
    codename: "[sig-node] PreStop should call prestop when killing a pod [Conformance]",
    async run(ctx) {
      const server = await startPod(ctx, webPod("server", { name: "server" }));
      const ip = server.status!.podIP!;
      await startPod(ctx, shPod("tester", "sleep 600", {
        spec: { restartPolicy: "Always", terminationGracePeriodSeconds: 30 },
        container: { lifecycle: { preStop: { exec: { command: ["wget", "-q", "-O", "-", `http://${ip}:80/write?prestop=1`] } } } },
      }));
      await ctx.client.delete(PODS, ctx.namespace, "tester");
      await waitFor("the server to have received the preStop call", async () => (await podLogs(ctx, "server")).includes("GET /write?prestop=1"), 30_000);
    },
  },
];
