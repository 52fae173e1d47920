import { request } from "node:http";
import type { KubeObject } from "../src/api/types.js";
import { DEPLOYMENTS, ENDPOINTSLICES, NODES, PODS, SERVICES } from "../src/client/resources.js";
import type { Figure } from "./figure.js";
import { buckets, percentile, quantile, TugProcess, until } from "./harness.js";

function deployment(name: string, replicas: number, image: string, probe = false): KubeObject {
  const container: Record<string, unknown> = { name: "c", image, ports: [{ containerPort: 80 }], resources: { requests: { cpu: "1m", memory: "1Mi" } } };
  if (probe) container.readinessProbe = { httpGet: { path: "/readyz", port: 80 }, periodSeconds: 1 };
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
  };
}

const service = (name: string, app: string, type = "ClusterIP"): KubeObject =>
  ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { type, selector: { app }, ports: [{ port: 80, targetPort: 80 }] } });

/** One GET on a new connection; resolves to how long it took (ms). */
function timedGet(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const req = request({ host, port, path: "/", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - began));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Through the cluster IP vs. straight to the pod, interleaved so both see the same noise. */
async function proxyOverhead(): Promise<Figure[]> {
  if (process.getuid?.() !== 0) throw new Error("the proxy overhead benchmark needs root (pod IPs and cluster IPs)");
  const tug = await TugProcess.start(["--nodes", "1", "--runtime", "process"]);
  const client = tug.client();
  try {
    await client.create(DEPLOYMENTS, "default", deployment("echo", 1, "ikubernetes/demoapp:v1.0", true));
    const svc = await client.create(SERVICES, "default", service("echo", "echo"));
    const clusterIP = (svc.spec as { clusterIP: string }).clusterIP;
    let podIP = "";
    await until("the pod ready behind the service", async () => {
      const pod = (await client.list(PODS, "default", { labelSelector: "app=echo" })).items[0] as { status?: { podIP?: string } } | undefined;
      podIP = pod?.status?.podIP ?? "";
      return podIP !== "" && (await timedGet(clusterIP, 80).then(() => true, () => false));
    }, 60_000);
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < 200; i++) await timedGet(podIP, 80).then(() => timedGet(clusterIP, 80)); // warm up
    for (let i = 0; i < 2000; i++) {
      direct.push(await timedGet(podIP, 80));
      proxied.push(await timedGet(clusterIP, 80));
    }
    direct.sort((a, b) => a - b);
    proxied.sort((a, b) => a - b);
    const [d50, p50] = [percentile(direct, 50), percentile(proxied, 50)];
    const overhead = p50 - d50;
    return [{
      name: "proxy overhead: request through the cluster IP vs. to the pod IP, p50", value: overhead, unit: "ms", goal: "≤ 0.5 ms", met: overhead <= 0.5,
      detail: `2,000 requests each, new connection per request; pod IP p50 ${d50.toFixed(3)} ms p99 ${percentile(direct, 99).toFixed(3)} ms, cluster IP p50 ${p50.toFixed(3)} ms p99 ${percentile(proxied, 99).toFixed(3)} ms`,
    }];
  } finally {
    client.close();
    await tug.stop();
  }
}

/**
 * 1,000 NodePort services, each in front of its own one-replica Deployment, on 100 simulated nodes. The
 * proxy's network programming latency (kube-proxy's SLI: from the endpoints change to the proxy serving
 * it) is read from its histogram: first while pods are replaced one at a time, then while 100
 * Deployments restart at once.
 */
async function propagation(): Promise<Figure[]> {
  const tug = await TugProcess.start(["--nodes", "100", "--runtime", "simulated"]);
  const client = tug.client();
  const limit = 300_000;
  const figures: Figure[] = [];
  const n = 1000;
  try {
    await until("100 nodes", async () => (await client.list(NODES)).items.length >= 100, 60_000);
    const apps = Array.from({ length: n }, (_, i) => `app${i}`);
    for (let i = 0; i < n; i += 50) {
      await Promise.all(apps.slice(i, i + 50).flatMap((a) => [client.create(DEPLOYMENTS, "default", deployment(a, 1, "ikubernetes/myapp:v1")), client.create(SERVICES, "default", service(a, a, "NodePort"))]));
    }
    const settled = async () => {
      const slices = (await client.list(ENDPOINTSLICES, "default", { labelSelector: "endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io" })).items as Array<{ endpoints?: Array<{ conditions?: { ready?: boolean } }> }>;
      return slices.length === n && slices.every((s) => (s.endpoints ?? []).length === 1 && s.endpoints![0]!.conditions?.ready === true);
    };
    await until(`${n} services with one ready endpoint each`, settled, limit);
    const metrics = await tug.metricsUrl();
    const scrape = async () => buckets(await (await fetch(metrics)).text(), "kubeproxy_network_programming_duration_seconds");
    const figure = (name: string, goal: string, before: Map<number, number>, after: Map<number, number>): Figure => {
      const [p50, p99] = [quantile(0.5, before, after), quantile(0.99, before, after)];
      return {
        name, value: p99.value * 1000, unit: "ms", goal, met: goal === "(context)" || p99.value <= 0.1,
        detail: `${p99.count} slice changes; p50 ${(p50.value * 1000).toFixed(1)} ms; histogram_quantile over kubeproxy_network_programming_duration_seconds (from the endpoints controller seeing the change to the proxy serving it)`,
      };
    };
    // One change at a time: a pod deleted (its service loses it, then gains the replacement).
    let before = await scrape();
    for (let i = 0; i < 50; i++) {
      const pod = (await client.list(PODS, "default", { labelSelector: `app=${apps[i * 17]}`, limit: 1 })).items[0]!;
      await client.delete(PODS, "default", pod.metadata.name!);
      await new Promise((r) => setTimeout(r, 300));
    }
    await until("every service back to one ready endpoint", settled, limit);
    figures.push(figure(`endpoint propagation to the proxy, p99, pods replaced one at a time among ${n} services`, "≤ 100 ms", before, await scrape()));
    // Many at once: 100 Deployments restarted together.
    before = await scrape();
    const at = new Date().toISOString();
    await Promise.all(apps.slice(0, 100).map((a) => client.patch(DEPLOYMENTS, "default", a, "strategic", { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } } })));
    await new Promise((r) => setTimeout(r, 1000));
    await until("every service back to one ready endpoint", settled, limit);
    await new Promise((r) => setTimeout(r, 500));
    figures.push(figure(`endpoint propagation, p99, while 100 of the ${n} Deployments restart at once`, "(context)", before, await scrape()));
    return figures;
  } finally {
    client.close();
    await tug.stop();
  }
}

/** Issue 7's figures: the proxy's per-request overhead, and endpoint propagation with 1,000 services. */
export async function proxyBenchmarks(): Promise<Figure[]> {
  return [...(await proxyOverhead()), ...(await propagation())];
}
