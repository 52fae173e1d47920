import { bytes, EtcdClient } from "../src/store/etcd/client.js";
import { EtcdCluster } from "../src/store/etcd/testing.js";
import { createPods, pacedGets } from "./api.js";
import { fromRuns, median, MiB, reported, rounds, type Figure } from "./figure.js";
import { Client, cpuMsOf, TugProcess } from "./harness.js";
import { scaleRun, type ScaleRun } from "./scale.js";

/**
 * How many concurrent clients create pods, and how many puts the raw ceiling keeps in flight: the same
 * (TUG_BENCH_ETCD_CONCURRENCY overrides 8, to tell a latency bound from a CPU bound).
 */
const CONCURRENCY = Number(process.env.TUG_BENCH_ETCD_CONCURRENCY) || 8;
const CREATES = 2_000;
const WARM = 300;

interface StoreRun {
  creates: number[];
  /** The API server's CPU time (user + system) per create, ms, in each create round. */
  cpuPerCreate: number[];
  /** etcd's CPU time (every member's) per create, ms, in each create round (0 without etcd). */
  etcdCpuPerCreate: number[];
  lists: number[];
  get: { p50: number; p99: number; rate: number };
  storedPod: string;
}

/**
 * The same API load on `tug up` with the given store flags (no nodes, no scheduler in the way). `between`
 * runs before each create round: the raw ceiling is measured round by round beside the creates, so both
 * see the same machine (a shared one swings by 2× within a minute).
 */
async function storeRun(storeArgs: string[], between: (round: number) => Promise<void> = async () => {}, etcdPids: number[] = []): Promise<StoreRun> {
  const tug = await TugProcess.start([...storeArgs, "--nodes", "0"]);
  try {
    const client = new Client(tug.endpoint, CONCURRENCY);
    await createPods(client, "warm", WARM, CONCURRENCY);
    const cpuPerCreate: number[] = [];
    const etcdCpuPerCreate: number[] = [];
    const etcdCpu = () => etcdPids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
    const creates = await rounds(3, async (round) => {
      await between(round);
      const [tug0, etcd0] = [cpuMsOf(tug.proc.pid!), etcdCpu()];
      const rate = await createPods(client, `p${round}`, CREATES, CONCURRENCY);
      cpuPerCreate.push((cpuMsOf(tug.proc.pid!) - tug0) / CREATES);
      etcdCpuPerCreate.push((etcdCpu() - etcd0) / CREATES);
      return rate;
    });
    const total = WARM + 3 * CREATES;
    const lists = await rounds(5, async () => {
      const t0 = performance.now();
      const r = await client.call("GET", "/api/v1/pods");
      const ms = performance.now() - t0;
      const n = (JSON.parse(r.body) as { items: unknown[] }).items.length;
      if (n !== total) throw new Error(`expected ${total} pods, listed ${n}`);
      return ms;
    });
    const get = await pacedGets(client, Array.from({ length: CREATES }, (_, i) => `p0-${i}`), 500, 4);
    const storedPod = (await client.call("GET", "/api/v1/namespaces/default/pods/p0-0")).body;
    client.close();
    return { creates, cpuPerCreate, etcdCpuPerCreate, lists, get, storedPod };
  } finally {
    await tug.stop();
  }
}

interface RawRun {
  rate: number;
  /** This process's CPU time per put, ms (the client's: nothing else runs here meanwhile). */
  clientCpu: number;
  /** etcd's CPU time (every member's) per put, ms. */
  etcdCpu: number;
}

/** etcd's `benchmark put`, from our own client: puts/s of `payload` to fresh keys with `inFlight` outstanding. */
async function rawPuts(etcd: EtcdCluster, payload: string, inFlight: number, total: number, round: number): Promise<RawRun> {
  const client = new EtcdClient({ endpoints: etcd.endpoints });
  const value = bytes(payload);
  const etcdCpu = () => etcd.members.reduce((sum, m) => sum + cpuMsOf(m.process!.pid!), 0);
  try {
    let next = 0;
    const [cpu0, etcd0] = [process.cpuUsage(), etcdCpu()];
    const began = performance.now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        await client.put({ key: bytes(`/bench-raw/${round}/p${i}`), value });
      }
    }));
    const rate = total / ((performance.now() - began) / 1000);
    const cpu = process.cpuUsage(cpu0);
    return { rate, clientCpu: (cpu.user + cpu.system) / 1000 / total, etcdCpu: (etcdCpu() - etcd0) / total };
  } finally {
    client.close();
  }
}

/** A raw ceiling and the API load on one etcd cluster of `members` members (fresh, on loopback). */
async function etcdRun(members: number, payload: string): Promise<{ raw: RawRun[]; rawWide: number[]; run: StoreRun }> {
  const etcd = await EtcdCluster.start({ members });
  try {
    const raw: RawRun[] = [];
    const rawWide: number[] = [];
    const run = await storeRun(["--store", "etcd", "--etcd-servers", etcd.endpoints.join(",")], async (round) => {
      raw.push(await rawPuts(etcd, payload, CONCURRENCY, 4_000, round));
      rawWide.push((await rawPuts(etcd, payload, 64, 4_000, 10 + round)).rate);
    }, etcd.members.map((m) => m.process!.pid!));
    return { raw, rawWide, run };
  } finally {
    await etcd.close();
  }
}

/**
 * Issue 26's store figures: SQLite, etcd with 1 member and with 3 members on loopback side by side, each
 * etcd's creates against raw etcd puts/s on the same cluster as the ceiling.
 */
export async function etcdBenchmarks(): Promise<Figure[]> {
  const sqlite = await storeRun(["--store", "sqlite"]);
  // The raw puts carry a pod as the API server stores it (the same size and shape).
  const payload = JSON.stringify({ metadata: { name: "p", namespace: "default", uid: "0".repeat(36), creationTimestamp: new Date().toISOString() }, spec: { pad: "x".repeat(1500) } });
  const clusters = [{ label: "etcd (1 member)", ...(await etcdRun(1, payload)) }, { label: "etcd (3 members)", ...(await etcdRun(3, payload)) }];
  const figures: Figure[] = [
    reported(`SQLite: pod creates/s over HTTPS, ${CONCURRENCY} concurrent clients (3 × ${CREATES})`, sqlite.creates, "creates/s"),
    reported("SQLite: the API server's CPU time per pod create", sqlite.cpuPerCreate, "ms", { detail: CPU_DETAIL }),
  ];
  for (const { label, raw, rawWide, run } of clusters) {
    const ceiling = { name: `raw ${label} puts/s`, value: median(raw.map((r) => r.rate)), unit: "puts/s" };
    const clientCpu = { name: "the client's CPU per raw put", value: median(raw.map((r) => r.clientCpu)), unit: "ms" };
    figures.push(
      fromRuns(`raw ${label}: puts/s of a pod-sized value, ${CONCURRENCY} in flight, our grpc-js client`, raw.map((r) => r.rate), "puts/s", "(ceiling)", () => true,
        { detail: `${Buffer.byteLength(payload)} bytes a value (the API server stores ${Buffer.byteLength(run.storedPod)}); 4,000 puts to fresh keys before each create round` }),
      reported(`raw ${label}: puts/s, 64 in flight`, rawWide, "puts/s"),
      reported(`raw ${label}: the client's CPU time per put`, raw.map((r) => r.clientCpu), "ms",
        { detail: `etcd's CPU per put ${median(raw.map((r) => r.etcdCpu)).toFixed(3)} ms` }),
      fromRuns(`${label}: pod creates/s over HTTPS, ${CONCURRENCY} concurrent clients (3 × ${CREATES})`, run.creates, "creates/s", "≥ 0.5 × raw etcd puts/s", (v) => v >= 0.5 * ceiling.value, { against: ceiling }),
      reported(`${label}: the API server's CPU time per pod create`, run.cpuPerCreate, "ms",
        { against: clientCpu, detail: `${CPU_DETAIL}; etcd's CPU per create ${median(run.etcdCpuPerCreate).toFixed(3)} ms` }),
    );
  }
  const total = WARM + 3 * CREATES;
  for (const [label, run] of [["SQLite", sqlite], ...clusters.map((c) => [c.label, c.run] as const)] as const) {
    figures.push(
      reported(`${label}: LIST ${total.toLocaleString("en")} pods`, run.lists, "ms"),
      { name: `${label}: GET p99 at 500 requests/s for 4 s`, value: run.get.p99, unit: "ms", goal: "(reported)", met: true, detail: `p50 ${run.get.p50.toFixed(2)} ms, achieved ${run.get.rate.toFixed(0)}/s` },
    );
  }
  return figures;
}

const SCALE_PODS = 10_000;

/**
 * CPU times per operation hold on a shared machine where rates swing: when the client's CPU per raw put
 * bounds the ceiling (one thread) and the API server's per create bounds the creates, the ratio of the
 * rates is the inverse of the ratio of these.
 */
const CPU_DETAIL = "user + system of `tug up`'s process over the create rounds";

/**
 * Scenario 1's Deployment of 10,000 replicas on 1,000 simulated nodes, on SQLite and on etcd (1 member,
 * fresh each run), run in turn so both see the same machine: scale-up, rolling update and cascade delete.
 */
export async function etcdScaleBenchmarks(): Promise<Figure[]> {
  const runs = Number(process.env.TUG_BENCH_ETCD_SCALE_RUNS) || 3;
  const sqlite: ScaleRun[] = [];
  const etcd: ScaleRun[] = [];
  for (let i = 0; i < runs; i++) {
    sqlite.push(await scaleRun(SCALE_PODS));
    const cluster = await EtcdCluster.start();
    try {
      // Every write waits for etcd's fsync: on a loaded machine a phase takes minutes, not seconds.
      etcd.push(await scaleRun(SCALE_PODS, { storeArgs: ["--store", "etcd", "--etcd-servers", cluster.endpoints.join(",")], limitMs: 900_000 }));
    } finally {
      await cluster.close();
    }
  }
  const phases = [
    ["created until all available", (r: ScaleRun) => r.createS],
    ["rolling update (25% / 25%) of all", (r: ScaleRun) => r.rollS],
    ["cascade delete until no pod or ReplicaSet is left", (r: ScaleRun) => r.deleteS],
  ] as const;
  const figures: Figure[] = [];
  for (const [phase, seconds] of phases) {
    const onSqlite = sqlite.map(seconds);
    figures.push(
      reported(`SQLite: Deployment of ${SCALE_PODS.toLocaleString("en")} replicas, ${phase}`, onSqlite, "s"),
      reported(`etcd (1 member): Deployment of ${SCALE_PODS.toLocaleString("en")} replicas, ${phase}`, etcd.map(seconds), "s",
        { against: { name: "SQLite", value: median(onSqlite), unit: "s" } }),
    );
  }
  figures.push(
    reported(`SQLite: RSS of Tugboat's processes with ${SCALE_PODS.toLocaleString("en")} pods`, sqlite.map((r) => r.podsRss / MiB), "MiB"),
    reported(`etcd (1 member): RSS of Tugboat's processes with ${SCALE_PODS.toLocaleString("en")} pods`, etcd.map((r) => r.podsRss / MiB), "MiB",
      { detail: "without etcd's own" }),
  );
  return figures;
}
