import { fromRuns, median, rounds, type Figure } from "./figure.js";
import { Client, percentile, TugProcess } from "./harness.js";

const APPLY = "application/apply-patch+yaml";
const PODS = "/api/v1/namespaces/default/pods";
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";

const pod = (name: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench", tier: "web" } },
  // A scheduler nobody runs, as upstream's API benchmarks do: the figures are the API server's alone.
  spec: { schedulerName: "bench-unscheduled", containers: [{ name: "app", image: "ikubernetes/myapp:v1", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
});

const deployment = (name: string, replicas: number, image = "ikubernetes/myapp:v1") => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name, labels: { app: name } },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { schedulerName: "bench-unscheduled", containers: [{ name: "app", image, ports: [{ containerPort: 80 }], env: [{ name: "MODE", value: "bench" }], resources: { requests: { cpu: "10m" } } }] },
    },
  },
});

/** Creates `total` pods from 8 clients, by POST or by server-side apply; creates per second. */
async function createPods(client: Client, prefix: string, total: number, byApply: boolean): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < total) {
      const name = `${prefix}-${next++}`;
      const r = byApply
        ? await client.call("PATCH", `${PODS}/${name}?fieldManager=bench`, pod(name), APPLY)
        : await client.call("POST", PODS, pod(name));
      if (r.status !== 201) throw new Error(`create returned ${r.status}: ${r.body}`);
    }
  }));
  return total / ((performance.now() - started) / 1000);
}

async function timed(what: string, call: () => Promise<{ status: number; body: string }>): Promise<number> {
  const started = performance.now();
  const r = await call();
  if (r.status >= 300) throw new Error(`${what} returned ${r.status}: ${r.body}`);
  return performance.now() - started;
}

/**
 * Issue 24: server-side apply against a started `tug up` (SQLite, HTTPS, no nodes, so the controllers'
 * pods wait unscheduled). Creates by apply and by POST alternate round by round in the same process.
 */
export async function applyBenchmarks(): Promise<Figure[]> {
  const tug = await TugProcess.start(["--nodes", "0"]);
  try {
    const client = new Client(tug.endpoint, 8);
    const posts: number[] = [];
    const applies: number[] = [];
    await rounds(3, async (round) => {
      posts.push(await createPods(client, `post${round}`, 2000, false));
      applies.push(await createPods(client, `apply${round}`, 2000, true));
    });
    // No-op applies of one Deployment: the same manifest again, one at a time.
    await client.call("PATCH", `${DEPLOYS}/steady?fieldManager=bench`, deployment("steady", 3), APPLY);
    const noop: number[] = [];
    for (let i = 0; i < 500; i++) noop.push(await timed("no-op apply", () => client.call("PATCH", `${DEPLOYS}/steady?fieldManager=bench`, deployment("steady", 3), APPLY)));
    noop.sort((a, b) => a - b);
    // A 10,000-replica Deployment: its first apply (a create), then a changed manifest (a rollout).
    const create = await timed("apply of the 10,000-replica Deployment", () => client.call("PATCH", `${DEPLOYS}/big?fieldManager=bench`, deployment("big", 10_000), APPLY));
    const change = await timed("changed apply of the 10,000-replica Deployment", () => client.call("PATCH", `${DEPLOYS}/big?fieldManager=bench`, deployment("big", 10_000, "ikubernetes/myapp:v2"), APPLY));
    const ratio = median(applies) / median(posts);
    return [
      fromRuns("pod creates/s by POST, 8 concurrent clients (3 × 2,000)", posts, "creates/s", "(reported)", () => true),
      fromRuns("pod creates/s by server-side apply, same run (3 × 2,000)", applies, "creates/s", "≥ 0.7 × POST", () => ratio >= 0.7,
        { against: { name: "creates/s by POST", value: median(posts), unit: "creates/s" } }),
      fromRuns("no-op apply of a Deployment: p99 (500 in a row)", [percentile(noop, 99)], "ms", "(reported)", () => true, { detail: `p50 ${percentile(noop, 50).toFixed(1)} ms` }),
      fromRuns("apply of a 10,000-replica Deployment's manifest (create)", [create], "ms", "(reported)", () => true),
      fromRuns("apply of the same manifest with a new image (rollout)", [change], "ms", "(reported)", () => true),
    ];
  } finally {
    await tug.stop();
  }
}
