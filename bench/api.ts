import { Client, median, percentile, TugProcess } from "./harness.js";

export interface Figure {
  name: string;
  value: number;
  unit: string;
  goal: string;
  met: boolean;
  detail?: string;
}

const pod = (name: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench", tier: "web" } },
  spec: { containers: [{ name: "app", image: "ikubernetes/myapp:v1", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
});

async function createPods(client: Client, prefix: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const r = await client.call("POST", "/api/v1/namespaces/default/pods", pod(`${prefix}-${i}`));
      if (r.status !== 201) throw new Error(`create returned ${r.status}: ${r.body}`);
    }
  }));
  return total / ((performance.now() - started) / 1000);
}

async function requestRate(client: Client, path: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < total) {
      const r = await client.call("GET", path);
      if (r.status !== 200) throw new Error(`GET ${path} returned ${r.status}`);
    }
  }));
  return total / ((performance.now() - started) / 1000);
}

/** Issue 2's API figures, measured against a started `tug up` (SQLite, HTTPS, token auth). */
export async function apiBenchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];

  const startups: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = await TugProcess.start();
    startups.push(t.readyMs);
    await t.stop();
  }
  const startup = median(startups);
  figures.push({ name: "tug up → /readyz (cold, median of 5)", value: startup, unit: "ms", goal: "≤ 1000 ms", met: startup <= 1000, detail: `min ${Math.min(...startups).toFixed(0)}, max ${Math.max(...startups).toFixed(0)}` });

  const tug = await TugProcess.start();
  try {
    const client = new Client(tug.endpoint, 8);
    const ceilings: number[] = [];
    for (let round = 0; round < 3; round++) ceilings.push(await requestRate(client, "/healthz", 5000, 8));
    const ceiling = median(ceilings);
    figures.push({ name: "HTTPS ceiling: GET /healthz/s, 8 concurrent clients (median of 3 × 5,000)", value: ceiling, unit: "req/s", goal: "(ceiling)", met: true, detail: ceilings.map((r) => r.toFixed(0)).join(", ") });
    await createPods(client, "warm", 500, 8);
    const rates: number[] = [];
    for (let round = 0; round < 3; round++) rates.push(await createPods(client, `p${round}`, 3500, 8));
    const rate = median(rates);
    figures.push({ name: "pod creates/s over HTTPS, 8 concurrent clients (median of 3 × 3,500)", value: rate, unit: "creates/s", goal: "≥ 5000/s", met: rate >= 5000,
      detail: `${rates.map((r) => r.toFixed(0)).join(", ")}; ${((rate / ceiling) * 100).toFixed(0)}% of the HTTPS ceiling` });

    const lists: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await client.call("GET", "/api/v1/pods");
      lists.push(performance.now() - t0);
      const n = (JSON.parse(r.body) as { items: unknown[] }).items.length;
      if (n < 10_000) throw new Error(`expected ≥ 10,000 pods, listed ${n}`);
    }
    const list = median(lists);
    figures.push({ name: "LIST 11,000 pods (median of 5)", value: list, unit: "ms", goal: "≤ 300 ms", met: list <= 300, detail: `min ${Math.min(...lists).toFixed(0)}, max ${Math.max(...lists).toFixed(0)}` });

    const latencies: number[] = [];
    const gets: Array<Promise<void>> = [];
    const rps = 1000;
    const seconds = 5;
    const begin = performance.now();
    for (let i = 0; i < rps * seconds; i++) {
      const due = begin + (i * 1000) / rps;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      gets.push(client.call("GET", `/api/v1/namespaces/default/pods/p0-${i % 3500}`).then((r) => {
        if (r.status !== 200) throw new Error(`GET returned ${r.status}`);
        latencies.push(performance.now() - t0);
      }));
    }
    await Promise.all(gets);
    const achieved = latencies.length / ((performance.now() - begin) / 1000);
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    figures.push({ name: `GET p99 at ${rps} requests/s for ${seconds} s`, value: p99, unit: "ms", goal: "≤ 5 ms", met: p99 <= 5, detail: `p50 ${percentile(latencies, 50).toFixed(2)} ms, achieved ${achieved.toFixed(0)}/s` });
    client.close();

    figures.push(await watchFanOut(tug));
    figures.push({ name: "API server RSS with 11,000 pods", value: tug.rssBytes() / 1024 / 1024, unit: "MiB", goal: "(reported)", met: true });
  } finally {
    await tug.stop();
  }
  return figures;
}

/** 1,000 watchers on one namespace; each write's delivery time to every watcher, p99 over 20 writes. */
async function watchFanOut(tug: TugProcess): Promise<Figure> {
  const watchers = 1000;
  const client = new Client(tug.endpoint, watchers + 4);
  await client.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fanout" } });
  const sent = new Map<string, number>();
  const delays: number[] = [];
  let received = 0;
  const stops = await Promise.all(Array.from({ length: watchers }, () =>
    client.watch("/api/v1/namespaces/fanout/configmaps?watch=true&resourceVersion=0", (line) => {
      const name = /"name":"([^"]+)"/.exec(line)?.[1];
      const at = name ? sent.get(name) : undefined;
      if (at !== undefined) {
        delays.push(performance.now() - at);
        received++;
      }
    })));
  const writes = 20;
  for (let i = 0; i < writes; i++) {
    const name = `cm-${i}`;
    sent.set(name, performance.now());
    const r = await client.call("POST", "/api/v1/namespaces/fanout/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { i: String(i) } });
    if (r.status !== 201) throw new Error(`configmap create returned ${r.status}`);
    const deadline = performance.now() + 5000;
    while (received < (i + 1) * watchers && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
  for (const stop of stops) stop();
  client.close();
  if (received < writes * watchers) throw new Error(`watch fan-out delivered ${received} of ${writes * watchers} events`);
  delays.sort((a, b) => a - b);
  const p99 = percentile(delays, 99);
  return { name: `one write → ${watchers} open watches, p99 delivery over ${writes} writes`, value: p99, unit: "ms", goal: "≤ 100 ms", met: p99 <= 100, detail: `p50 ${percentile(delays, 50).toFixed(1)} ms` };
}
