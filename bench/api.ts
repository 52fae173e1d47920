import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configure } from "../src/store/sqlite.js";
import { fromRuns, median, MiB, rounds, type Figure } from "./figure.js";
import { Client, percentile, TugProcess } from "./harness.js";

const pod = (name: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench", tier: "web" } },
  // A scheduler nobody runs, as upstream's API benchmarks do: the figures are the API server's alone.
  spec: { schedulerName: "bench-unscheduled", containers: [{ name: "app", image: "ikubernetes/myapp:v1", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
});

export async function createPods(client: Client, prefix: string, total: number, concurrency: number): Promise<number> {
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

interface ApiRun {
  httpsCeilings: number[];
  creates: number[];
  lists: number[];
  getP50: number;
  getP99: number;
  getRate: number;
  fanOut: { p50: number; p99: number };
  rss: number;
  /** A pod as the server stored it: the payload of the raw SQLite ceiling. */
  storedPod: string;
}

/** A rate-paced GET load of existing pods `names` (in turn): `rps` requests per second for `seconds`, each GET's latency. */
export async function pacedGets(client: Client, names: string[], rps: number, seconds: number): Promise<{ p50: number; p99: number; rate: number }> {
  const latencies: number[] = [];
  const gets: Array<Promise<void>> = [];
  const begin = performance.now();
  for (let i = 0; i < rps * seconds; i++) {
    const due = begin + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    gets.push(client.call("GET", `/api/v1/namespaces/default/pods/${names[i % names.length]}`).then((r) => {
      if (r.status !== 200) throw new Error(`GET returned ${r.status}`);
      latencies.push(performance.now() - t0);
    }));
  }
  await Promise.all(gets);
  const rate = latencies.length / ((performance.now() - begin) / 1000);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rate };
}

/** Issue 2's measurements against a started `tug up` on one store (HTTPS, token auth, 8 concurrent clients). */
async function apiRun(store: "sqlite" | "memory"): Promise<ApiRun> {
  const tug = await TugProcess.start(["--store", store, "--nodes", "0"]);
  try {
    const client = new Client(tug.endpoint, 8);
    const httpsCeilings = await rounds(3, () => requestRate(client, "/healthz", 5000, 8));
    await createPods(client, "warm", 500, 8);
    const creates = await rounds(3, (round) => createPods(client, `p${round}`, 3500, 8));
    const lists = await rounds(5, async () => {
      const t0 = performance.now();
      const r = await client.call("GET", "/api/v1/pods");
      const ms = performance.now() - t0;
      const n = (JSON.parse(r.body) as { items: unknown[] }).items.length;
      if (n < 11_000) throw new Error(`expected 11,000 pods, listed ${n}`);
      return ms;
    });
    const gets = await pacedGets(client, Array.from({ length: 3500 }, (_, i) => `p0-${i}`), 1000, 5);
    const storedPod = (await client.call("GET", "/api/v1/namespaces/default/pods/p0-0")).body;
    client.close();
    const fanOut = await watchFanOut(tug);
    return { httpsCeilings, creates, lists, getP50: gets.p50, getP99: gets.p99, getRate: gets.rate, fanOut, rss: tug.rssBytes(), storedPod };
  } finally {
    await tug.stop();
  }
}

/**
 * The raw ceiling: inserts/s of the same stored pod through better-sqlite3 into the store's own schema
 * with its own journal and durability settings, one transaction per insert (median of 3 × 20,000).
 */
function sqliteCeiling(payload: string): number[] {
  const dir = mkdtempSync(join(tmpdir(), "tug-bench-sqlite-"));
  try {
    const db = new Database(join(dir, "ceiling.sqlite"));
    configure(db);
    const insert = db.prepare("INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, 1, 0, ?, 0, ?)");
    let id = 0;
    const rates = [];
    for (let round = 0; round < 3; round++) {
      const began = performance.now();
      for (let i = 0; i < 20_000; i++, id++) insert.run(id + 1, `/registry/pods/default/p${id}`, id + 1, payload);
      rates.push(20_000 / ((performance.now() - began) / 1000));
    }
    db.close();
    return rates;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Scenario 2: the API on SQLite, the same on the in-memory store, and raw SQLite as the ceiling. */
export async function apiBenchmarks(): Promise<Figure[]> {
  const sqlite = await apiRun("sqlite");
  const memory = await apiRun("memory");
  const ceiling = sqliteCeiling(sqlite.storedPod);
  const raw = { name: "raw SQLite inserts/s", value: median(ceiling), unit: "inserts/s" };
  const figures: Figure[] = [
    fromRuns("raw SQLite: inserts/s of the stored pod, one transaction each, WAL + synchronous=NORMAL", ceiling, "inserts/s", "(ceiling)", () => true,
      { detail: `${Buffer.byteLength(sqlite.storedPod)} bytes a row; better-sqlite3, the store's schema and settings` }),
    fromRuns("HTTPS ceiling: GET /healthz/s, 8 concurrent clients", sqlite.httpsCeilings, "req/s", "(ceiling)", () => true),
  ];
  for (const [label, run] of [["SQLite", sqlite], ["memory store", memory]] as const) {
    const s = label === "SQLite";
    figures.push(
      fromRuns(`${label}: pod creates/s over HTTPS, 8 concurrent clients (3 × 3,500)`, run.creates, "creates/s", s ? "≥ 25% of raw SQLite" : "(reported)", (v) => !s || v >= 0.25 * raw.value,
        { against: s ? raw : { name: "the same on SQLite", value: median(sqlite.creates), unit: "creates/s" }, detail: s ? "goal of issue 2: ≥ 5,000/s" : undefined }),
      fromRuns(`${label}: LIST 11,000 pods`, run.lists, "ms", "≤ 300 ms", (v) => v <= 300),
      { name: `${label}: GET p99 at 1,000 requests/s for 5 s`, value: run.getP99, unit: "ms", goal: "≤ 5 ms", met: run.getP99 <= 5, detail: `p50 ${run.getP50.toFixed(2)} ms, achieved ${run.getRate.toFixed(0)}/s` },
      { name: `${label}: one write → 1,000 open watches, p99 delivery over 20 writes`, value: run.fanOut.p99, unit: "ms", goal: "≤ 100 ms", met: run.fanOut.p99 <= 100, detail: `p50 ${run.fanOut.p50.toFixed(1)} ms` },
      { name: `${label}: API server RSS with 11,000 pods`, value: run.rss / MiB, unit: "MiB", goal: "(reported)", met: true },
    );
  }
  return figures;
}

/** 1,000 watchers on one namespace; each write's delivery time to every watcher, p99 over 20 writes. */
async function watchFanOut(tug: TugProcess): Promise<{ p50: number; p99: number }> {
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
  return { p50: percentile(delays, 50), p99: percentile(delays, 99) };
}
