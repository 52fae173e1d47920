import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import type { KubeObject } from "../../api/types.js";
import { ENDPOINTS, NODES, PODS, SERVICES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { Collector, RCS, type Pod, fetchFromPod, isReady, isRunning, runToEnd, shPod, startPod, waitFor, webPod } from "../core-kit.js";
import { type Endpoints, type Service, expectEndpoints, service } from "./services.js";

/**
 * Upstream's traffic tests of Services and pod networking (service.go, service_latency.go, hostport.go,
 * common/network/networking.go, proxy.go): answers read from inside pods, as upstream's exec pods do.
 */

/** A UDP server answering each datagram with the pod's hostname (agnhost netexec's --udp-port), on the host's node. */
const udpServer = (port: number) => ({
  name: "udp",
  image: "busybox",
  command: ["node", "-e", `const s=require("dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(require("os").hostname(),r.port,r.address));s.bind(${port})`],
});

/** A pod that sends one UDP datagram to ip:port and prints the answer (exit 1 without one in 3 s). */
const udpClient = (name: string, ip: string, port: number) => shPod(name, "", {
  container: { command: ["node", "-e", `const s=require("dgram").createSocket("udp4");setTimeout(()=>process.exit(1),3000);s.on("message",m=>{console.log(String(m));process.exit(0)});s.send("hostname",${port},"${ip}")`] },
});

/** Sends one UDP datagram from this process and returns the answer, or undefined after `ms`. */
function udpAsk(ip: string, port: number, ms = 2_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const done = (v: string | undefined) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(undefined), ms);
    s.on("message", (m) => done(String(m)));
    s.on("error", () => done(undefined));
    s.send("hostname", port, ip);
  });
}

async function nodeIP(ctx: ConformanceContext): Promise<string> {
  const nodes = await ctx.client.list<KubeObject & { status: { addresses: Array<{ type: string; address: string }> } }>(NODES);
  return nodes.items[0]!.status.addresses.find((a) => a.type === "InternalIP")!.address;
}

/** An RC of three demo pods answering /hostname, and a service in front of them. */
async function affinityBackends(ctx: ConformanceContext, name: string, type: string, affinity: string): Promise<Service> {
  const labels = { name };
  await ctx.client.create(RCS, ctx.namespace, {
    apiVersion: "v1", kind: "ReplicationController", metadata: { name },
    spec: { replicas: 3, selector: labels, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name, image: "ikubernetes/demoapp:v1.0", ports: [{ containerPort: 80 }] }] } } },
  });
  const svc = await ctx.client.create<Service>(SERVICES, ctx.namespace, service(name, { type, selector: labels, sessionAffinity: affinity, ports: [{ port: 80, targetPort: 80 }] }));
  await waitFor("three ready endpoints", async () => {
    const ep = await ctx.client.get<Endpoints>(ENDPOINTS, ctx.namespace, name).catch(() => undefined);
    return (ep?.subsets?.[0]?.addresses?.length ?? 0) === 3;
  });
  return svc;
}

let probeCount = 0;
/**
 * Hostnames answering 15 requests made from one client pod to `url`, once the service answers at all (as
 * upstream's affinity test checks the service's reachability first: the proxy may learn of the endpoints a
 * moment after the API lists them ready).
 */
async function hostnames(ctx: ConformanceContext, url: string): Promise<string[]> {
  const reachable = `for i in $(seq 60); do timeout 5 wget -q -O /dev/null '${url}/hostname' && break; sleep 0.5; done`;
  // A loaded host starts the client pod and its 15 wget processes slowly: a minute before it counts as stuck.
  const { logs } = await runToEnd(ctx, shPod(`affinity-client-${++probeCount}`, `${reachable}; for i in $(seq 15); do timeout 5 wget -q -O - '${url}/hostname'; done`), 60_000);
  return [...logs.matchAll(/ServerName: (\S+)/g)].map((m) => m[1]!);
}

async function checkAffinity(ctx: ConformanceContext, type: "ClusterIP" | "NodePort", toggle: boolean): Promise<void> {
  const name = `affinity-${type.toLowerCase()}${toggle ? "-transition" : ""}`;
  const svc = await affinityBackends(ctx, name, type, "ClientIP");
  const url = type === "NodePort" ? `http://${await nodeIP(ctx)}:${svc.spec.ports![0]!.nodePort}` : `http://${svc.spec.clusterIP}:80`;
  const sticky = await hostnames(ctx, url);
  assert.equal(sticky.length, 15, "every request is answered");
  assert.equal(new Set(sticky).size, 1, `ClientIP affinity sends every request to one pod: ${sticky.join(" ")}`);
  if (!toggle) return;
  await ctx.client.patch(SERVICES, ctx.namespace, name, "merge", { spec: { sessionAffinity: "None" } });
  await waitFor("requests spread over the pods", async () => new Set(await hostnames(ctx, url)).size > 1, 60_000);
  await ctx.client.patch(SERVICES, ctx.namespace, name, "merge", { spec: { sessionAffinity: "ClientIP" } });
  await waitFor("requests stick to one pod again", async () => new Set(await hostnames(ctx, url)).size === 1, 60_000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const NOT_SERVED_PROXY = "pods/proxy, services/proxy and nodes/proxy";

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-network] Services should be able to create a functioning NodePort service [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { app: "nodeport-test" }));
      const svc = await ctx.client.create<Service>(SERVICES, ctx.namespace, service("nodeport-test", { type: "NodePort", selector: { app: "nodeport-test" }, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
      await expectEndpoints(ctx, "nodeport-test", { backend: [80] });
      assert.match(await fetchFromPod(ctx, "by-name", "http://nodeport-test:80/"), /iKubernetes demoapp/);
      assert.match(await fetchFromPod(ctx, "by-ip", `http://${svc.spec.clusterIP}:80/`), /iKubernetes demoapp/);
      assert.match(await fetchFromPod(ctx, "by-node-port", `http://${await nodeIP(ctx)}:${svc.spec.ports![0]!.nodePort}/`), /iKubernetes demoapp/);
    },
  },
  {
    codename: "[sig-network] Services should have session affinity work for service with type clusterIP [LinuxOnly] [Conformance]",
    run: (ctx) => checkAffinity(ctx, "ClusterIP", false),
  },
  {
    codename: "[sig-network] Services should be able to switch session affinity for service with type clusterIP [LinuxOnly] [Conformance]",
    run: (ctx) => checkAffinity(ctx, "ClusterIP", true),
  },
  {
    codename: "[sig-network] Services should have session affinity work for NodePort service [LinuxOnly] [Conformance]",
    run: (ctx) => checkAffinity(ctx, "NodePort", false),
  },
  {
    codename: "[sig-network] Services should be able to switch session affinity for NodePort service [LinuxOnly] [Conformance]",
    run: (ctx) => checkAffinity(ctx, "NodePort", true),
  },
  {
    codename: "[sig-network] Services should serve endpoints on same port and different protocols [Conformance]",
    async run(ctx) {
      await startPod(ctx, { ...webPod("backend", { app: "dual" }), spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "tcp", image: "ikubernetes/demoapp:v1.0", ports: [{ containerPort: 80 }] }, { ...udpServer(80), ports: [{ containerPort: 80, protocol: "UDP" }] }] } });
      const svc = await ctx.client.create<Service>(SERVICES, ctx.namespace, service("multiprotocol-test", {
        selector: { app: "dual" }, ports: [{ name: "tcp-port", port: 80, protocol: "TCP" }, { name: "udp-port", port: 80, protocol: "UDP" }],
      }));
      const ip = svc.spec.clusterIP!;
      await expectEndpoints(ctx, "multiprotocol-test", { backend: [80, 80] });
      assert.match(await fetchFromPod(ctx, "tcp-both", `http://${ip}:80/hostname`), /ServerName: backend/);
      assert.equal(await waitFor("a UDP answer through the cluster IP", () => udpAsk(ip, 80), 10_000), "backend");
      await ctx.client.patch(SERVICES, ctx.namespace, "multiprotocol-test", "merge", { spec: { ports: [{ name: "tcp-port", port: 80, protocol: "TCP" }] } });
      await waitFor("UDP to stop answering", async () => (await udpAsk(ip, 80, 1_000)) === undefined, 10_000);
      assert.match(await fetchFromPod(ctx, "tcp-only", `http://${ip}:80/hostname`), /ServerName: backend/);
      await ctx.client.patch(SERVICES, ctx.namespace, "multiprotocol-test", "json", [{ op: "replace", path: "/spec/ports", value: [{ name: "udp-port", port: 80, protocol: "UDP" }] }]);
      await waitFor("UDP to answer again", () => udpAsk(ip, 80), 10_000);
      const { pod } = await runToEnd(ctx, shPod("tcp-gone", `timeout 3 wget -q -O - http://${ip}:80/hostname`));
      assert.equal(pod.status?.phase, "Failed", "TCP no longer answers");
    },
  },
  {
    codename: "[sig-network] Service endpoints latency should not be very high [Conformance]",
    async run(ctx) {
      await ctx.client.create(RCS, ctx.namespace, {
        apiVersion: "v1", kind: "ReplicationController", metadata: { name: "svc-latency-rc" },
        spec: { replicas: 1, selector: { name: "svc-latency-rc" }, template: { metadata: { labels: { name: "svc-latency-rc" } }, spec: { containers: [{ name: "pause", image: "registry.k8s.io/pause:3.9" }] } } },
      });
      await waitFor("the rc's pod to run", async () => (await ctx.client.list<Pod>(PODS, ctx.namespace, { labelSelector: "name=svc-latency-rc" })).items.some((p) => isRunning(p) && isReady(p)));
      const watch = await Collector.start<Endpoints>(ctx, ENDPOINTS, ctx.namespace);
      const started = new Map<string, number>();
      const seen = new Map<string, number>();
      const onEvents = setInterval(() => {
        for (const e of watch.events) {
          const n = e.object.metadata.name!;
          if (!seen.has(n) && started.has(n) && (e.object.subsets?.[0]?.addresses?.length ?? 0) > 0) seen.set(n, Date.now());
        }
      }, 20);
      const total = 100;
      for (let i = 0; i < total; i += 10) {
        await Promise.all(Array.from({ length: 10 }, async (_, j) => {
          const name = `latency-svc-${String(i + j).padStart(3, "0")}`;
          started.set(name, Date.now());
          await ctx.client.create(SERVICES, ctx.namespace, service(name, { selector: { name: "svc-latency-rc" }, ports: [{ port: 80, targetPort: 80 }] }));
        }));
      }
      await waitFor("every service's endpoints", async () => seen.size === total, 60_000);
      clearInterval(onEvents);
      watch.stop();
      const latencies = [...seen].map(([n, t]) => t - started.get(n)!).sort((a, b) => a - b);
      const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(latencies, p));
      assert.ok(p50! <= 20_000, `p50 ${p50} ms within 20 s`);
      assert.ok(p90! <= 50_000, `p90 ${p90} ms within 50 s`);
      assert.ok(p99! <= 60_000, `p99 ${p99} ms`);
    },
  },
  {
    codename: "[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: http [NodeConformance] [Conformance]",
    async run(ctx) {
      const server = await startPod(ctx, webPod("netserver-0", { selector: "netserver" }));
      assert.match(await fetchFromPod(ctx, "test-container-pod", `http://${server.status!.podIP}:80/hostname`), /ServerName: netserver-0/);
    },
  },
  {
    codename: "[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: udp [NodeConformance] [Conformance]",
    async run(ctx) {
      const server = await startPod(ctx, { ...webPod("netserver-0", { selector: "netserver" }), spec: { terminationGracePeriodSeconds: 1, containers: [{ ...udpServer(8081), ports: [{ containerPort: 8081, protocol: "UDP" }] }] } });
      const { pod, logs } = await runToEnd(ctx, udpClient("test-container-pod", server.status!.podIP!, 8081));
      assert.equal(pod.status?.phase, "Succeeded", `the UDP request got no answer: ${logs}`);
      assert.equal(logs.trim(), "netserver-0");
    },
  },
  {
    codename: "[sig-network] Networking Granular Checks: Pods should function for node-pod communication: http [LinuxOnly] [NodeConformance] [Conformance]",
    async run(ctx) {
      const server = await startPod(ctx, webPod("netserver-0", { selector: "netserver" }));
      const { pod, logs } = await runToEnd(ctx, shPod("host-test-container-pod", `timeout 5 wget -q -O - http://${server.status!.podIP}:80/hostname`, { spec: { hostNetwork: true } }));
      assert.equal(pod.status?.phase, "Succeeded", logs);
      assert.match(logs, /ServerName: netserver-0/);
    },
  },
  {
    codename: "[sig-network] Networking Granular Checks: Pods should function for node-pod communication: udp [LinuxOnly] [NodeConformance] [Conformance]",
    async run(ctx) {
      const server = await startPod(ctx, { ...webPod("netserver-0", { selector: "netserver" }), spec: { terminationGracePeriodSeconds: 1, containers: [{ ...udpServer(8081), ports: [{ containerPort: 8081, protocol: "UDP" }] }] } });
      const client = udpClient("host-test-container-pod", server.status!.podIP!, 8081);
      client.spec.hostNetwork = true;
      const { pod, logs } = await runToEnd(ctx, client);
      assert.equal(pod.status?.phase, "Succeeded", `the UDP request got no answer: ${logs}`);
      assert.equal(logs.trim(), "netserver-0");
    },
  },
  {
    codename: "[sig-network] HostPort validates that there is no conflict between pods with same hostPort but different hostIP and protocol [LinuxOnly] [Conformance]",
    async run(ctx) {
      const ip = await nodeIP(ctx);
      const hostPod = (name: string, hostIP: string, protocol: string) => ({
        ...webPod(name),
        spec: { terminationGracePeriodSeconds: 1, containers: [protocol === "TCP" ? { name: "web", image: "ikubernetes/demoapp:v1.0", ports: [{ containerPort: 80, hostPort: 54323, hostIP, protocol }] } : { ...udpServer(80), ports: [{ containerPort: 80, hostPort: 54323, hostIP, protocol }] }] },
      });
      await startPod(ctx, hostPod("pod1", "127.0.0.1", "TCP"));
      await startPod(ctx, hostPod("pod2", ip === "127.0.0.1" ? "127.0.0.2" : ip, "TCP"));
      await startPod(ctx, hostPod("pod3", ip === "127.0.0.1" ? "127.0.0.2" : ip, "UDP"));
      const { pod, logs } = await runToEnd(ctx, shPod("e2e-host-exec", "timeout 5 wget -q -O - http://127.0.0.1:54323/hostname", { spec: { hostNetwork: true } }));
      assert.equal(pod.status?.phase, "Succeeded", `127.0.0.1:54323 answers: ${logs}`);
      assert.match(logs, /ServerName: pod1/);
    },
  },
  ...["[sig-network] Proxy version v1 A set of valid responses are returned for both pod and service Proxy [Conformance]",
    "[sig-network] Proxy version v1 A set of valid responses are returned for both pod and service ProxyWithPath [Conformance]",
    "[sig-network] Proxy version v1 should proxy through a service and a pod [Conformance]",
  ].map((codename): ConformanceCase => ({ codename, notServed: NOT_SERVED_PROXY, run: async () => {} })),
  {
    codename: "[sig-network] Ingress API should support creating Ingress API operations [Conformance]",
    notServed: "networking.k8s.io/v1 Ingress",
    run: async () => {},
  },
  {
    codename: "[sig-network] IngressClass API should support creating IngressClass API operations [Conformance]",
    notServed: "networking.k8s.io/v1 IngressClass",
    run: async () => {},
  },
];
