import assert from "node:assert/strict";
import { request } from "undici";
import { PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, isReady, isRunning, shPod, waitFor, waitForPod, webPod } from "../core-kit.js";

/**
 * Upstream's test/e2e/common/node/container_probe.go. Upstream watches a healthy pod for minutes; these
 * cases use probes of period 1 s and watch for several periods, so a wrong restart shows within seconds.
 */

const restarts = (p: Pod) => p.status?.containerStatuses?.[0]?.restartCount ?? 0;
const fast = { initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };

/** Holds `pred` of the pod on every read for `ms` (the probes run meanwhile); fails at the first miss. */
async function holds(ctx: ConformanceContext, name: string, what: string, pred: (p: Pod) => boolean, ms: number): Promise<Pod> {
  const until = Date.now() + ms;
  let p: Pod;
  do {
    p = await ctx.client.get<Pod>(PODS, ctx.namespace, name);
    assert.ok(pred(p), `${what} (status ${JSON.stringify(p.status?.containerStatuses?.[0])})`);
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < until);
  return p;
}

/** A gRPC health server (grpc.health.v1.Health/Check answers SERVING) on `port`, over node's http2. */
const grpcHealthServer = (port: number) => ({
  name: "etcd",
  image: "busybox",
  command: ["node", "-e", `require("http2").createServer().on("stream",(s)=>{s.resume();s.on("end",()=>{s.respond({":status":200,"content-type":"application/grpc"},{waitForTrailers:true});s.on("wantTrailers",()=>s.sendTrailers({"grpc-status":"0"}));s.end(Buffer.from([0,0,0,0,2,8,1]))})}).listen(${port})`],
  ports: [{ containerPort: port }],
});

function probePod(name: string, container: Record<string, unknown>, restartPolicy = "Always"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { test: "liveness" } }, spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [container] } };
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] Probing container with readiness probe should not be ready before initial delay and never restart [NodeConformance] [Conformance]",
    async run(ctx) {
      const delay = 4;
      await ctx.client.create(PODS, ctx.namespace, { ...webPod("test-webserver"), spec: { containers: [{ name: "test-webserver", image: "nginx", readinessProbe: { httpGet: { path: "/", port: 80 }, initialDelaySeconds: delay, periodSeconds: 1 } }] } });
      const ready = await waitForPod(ctx, "test-webserver", "to be ready", isReady, 30_000);
      const started = Date.parse(String(ready.status?.containerStatuses?.[0]?.state?.running?.startedAt));
      const condition = ready.status?.conditions?.find((c) => c.type === "Ready") as { lastTransitionTime?: string } | undefined;
      const readyAt = Date.parse(String(condition?.lastTransitionTime));
      assert.ok(readyAt - started >= delay * 1000 - 1000, `ready ${readyAt - started} ms after the start, not before the initial delay of ${delay} s`);
      assert.equal(restarts(ready), 0);
    },
  },
  {
    codename: "[sig-node] Probing container with readiness probe that fails should never be ready and never restart [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("test-webserver", { name: "test-webserver", image: "nginx", readinessProbe: { exec: { command: ["/bin/false"] }, ...fast } }));
      await waitForPod(ctx, "test-webserver", "to run", isRunning);
      await holds(ctx, "test-webserver", "never ready, never restarted", (p) => !isReady(p) && restarts(p) === 0, 6_000);
    },
  },
  {
    codename: "[sig-node] Probing container should be restarted with a exec \"cat /tmp/health\" liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("busybox-liveness", { ...shPod("x", "echo ok >/tmp/health-restart; sleep 3; rm -f /tmp/health-restart; sleep 600").spec.containers[0], livenessProbe: { exec: { command: ["cat", "/tmp/health-restart"] }, ...fast } }));
      await waitForPod(ctx, "busybox-liveness", "to be restarted once", (p) => restarts(p) >= 1, 30_000);
    },
  },
  {
    codename: "[sig-node] Probing container should *not* be restarted with a exec \"cat /tmp/health\" liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("busybox-liveness", { ...shPod("x", "echo ok >/tmp/health; sleep 600").spec.containers[0], livenessProbe: { exec: { command: ["cat", "/tmp/health"] }, ...fast } }));
      await waitForPod(ctx, "busybox-liveness", "to run", isRunning);
      await holds(ctx, "busybox-liveness", "never restarted", (p) => restarts(p) === 0, 6_000);
    },
  },
  {
    codename: "[sig-node] Probing container should be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("liveness-http", { name: "agnhost-container", image: "ikubernetes/demoapp:v1.0", livenessProbe: { httpGet: { path: "/livez", port: 80 }, ...fast } }));
      const running = await waitForPod(ctx, "liveness-http", "to run", isRunning);
      // Like agnhost's liveness server turning unhealthy after a while: the demo app's /livez answers 5xx from now on.
      await waitFor("the demo app to take the POST", () => request(`http://${running.status!.podIP}:80/livez`, { method: "POST", body: "livez=FAIL", headers: { "content-type": "application/x-www-form-urlencoded" } }).then((r) => r.body.text()).then(() => true));
      await waitForPod(ctx, "liveness-http", "to be restarted once", (p) => restarts(p) >= 1, 30_000);
    },
  },
  {
    codename: "[sig-node] Probing container should *not* be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("liveness-http", { name: "agnhost-container", image: "nginx", livenessProbe: { httpGet: { path: "/", port: 80 }, ...fast, failureThreshold: 3 } }));
      await waitForPod(ctx, "liveness-http", "to run", isRunning);
      await holds(ctx, "liveness-http", "never restarted", (p) => restarts(p) === 0, 6_000);
    },
  },
  {
    codename: "[sig-node] Probing container should *not* be restarted with a tcp:8080 liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("liveness-tcp", { name: "agnhost-container", image: "ikubernetes/demoapp:v1.0", env: [{ name: "PORT", value: "8080" }], livenessProbe: { tcpSocket: { port: 8080 }, ...fast, failureThreshold: 3 } }));
      await waitForPod(ctx, "liveness-tcp", "to run", isRunning);
      await holds(ctx, "liveness-tcp", "never restarted", (p) => restarts(p) === 0, 6_000);
    },
  },
  {
    codename: "[sig-node] Probing container should have monotonically increasing restart count [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("liveness-http", { name: "agnhost-container", image: "nginx", livenessProbe: { httpGet: { path: "/healthz", port: 80 }, ...fast } }));
      let last = 0;
      for (let want = 1; want <= 2; want++) {
        const p = await waitForPod(ctx, "liveness-http", `to reach restart ${want}`, (x) => restarts(x) >= want, 60_000);
        assert.ok(restarts(p) >= last, `the restart count never goes down (${last} → ${restarts(p)})`);
        last = restarts(p);
      }
    },
  },
  {
    codename: "[sig-node] Probing container should *not* be restarted with a GRPC liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, probePod("test-grpc", { ...grpcHealthServer(2379), livenessProbe: { grpc: { port: 2379 }, ...fast, failureThreshold: 3 } }));
      await waitForPod(ctx, "test-grpc", "to run", isRunning);
      await holds(ctx, "test-grpc", "never restarted", (p) => restarts(p) === 0, 6_000);
    },
  },
  {
    codename: "[sig-node] Probing container should be restarted with a GRPC liveness probe [NodeConformance] [Conformance]",
    async run(ctx) {
      // The probe asks a port nothing listens on, as upstream's does: the container must be restarted.
      await ctx.client.create(PODS, ctx.namespace, probePod("test-grpc", { ...grpcHealthServer(5000), livenessProbe: { grpc: { port: 2333 }, ...fast } }));
      await waitForPod(ctx, "test-grpc", "to be restarted once", (p) => restarts(p) >= 1, 30_000);
    },
  },
];
