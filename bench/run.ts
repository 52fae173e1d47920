import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TUG_NODE_FLAGS } from "../src/cmd/node-flags.js";
import { apiBenchmarks } from "./api.js";
import { applyBenchmarks } from "./apply.js";
import { containerdBenchmarks } from "./containerd.js";
import { deploymentBenchmarks } from "./deployment.js";
import { etcdBenchmarks, etcdScaleBenchmarks } from "./etcd.js";
import type { Figure } from "./figure.js";
import { pm2Benchmarks } from "./pm2.js";
import { protobufBenchmarks } from "./protobuf.js";
import { proxyBenchmarks } from "./proxy.js";
import { RBAC_ABOUT, rbacBenchmarks } from "./rbac.js";
import { replicaSetBenchmarks } from "./replicaset.js";
import { machine, mergeInto, section, writeReport, type ScenarioResult } from "./report.js";
import { scaleBenchmarks } from "./scale.js";
import { schedulerBenchmarks } from "./scheduler.js";
import { startupBenchmarks } from "./startup.js";
import { streamBenchmarks } from "./streams.js";
import { workloadBenchmarks } from "./workloads.js";

interface Scenario {
  id: string;
  title: string;
  run: () => Promise<Figure[]>;
  /** What the section measures (a paragraph under its title). */
  about?: string;
}

// Scenario 1 and 6 come from the same runs (10,000 pods is one of the growth sizes): run once, report twice.
let scaled: Promise<{ scale: Figure[]; growth: Figure[] }> | undefined;
const scale = () => (scaled ??= scaleBenchmarks());

const SCENARIOS: Scenario[] = [
  { id: "startup", title: "5. Start-up", run: startupBenchmarks },
  { id: "api", title: "2. API server: SQLite, the in-memory store, and raw SQLite", run: apiBenchmarks },
  { id: "scheduler", title: "3. Scheduler", run: schedulerBenchmarks },
  { id: "scale", title: "1. Scale-up: a 10,000-replica Deployment on 1,000 simulated nodes", run: async () => (await scale()).scale },
  { id: "growth", title: "6. How cost grows: scenario 1 at 1,000 – 30,000 pods (the same runs as scenario 1)", run: async () => (await scale()).growth },
  { id: "pm2", title: "4. Process runtime side by side with PM2: 50 copies of one HTTP server", run: pm2Benchmarks },
  { id: "replicaset", title: "ReplicaSet controller (issue 4)", run: replicaSetBenchmarks },
  { id: "deployment", title: "Deployment controller (issue 5)", run: deploymentBenchmarks },
  { id: "workloads", title: "DaemonSet and Job controllers (issue 6)", run: workloadBenchmarks },
  { id: "proxy", title: "Service proxy (issue 7)", run: proxyBenchmarks },
  { id: "streams", title: "Exec and port-forward (issue 22)", run: streamBenchmarks },
  { id: "rbac", title: "RBAC authorizer (issue 23)", run: rbacBenchmarks, about: RBAC_ABOUT },
  { id: "apply", title: "Server-side apply (issue 24)", run: applyBenchmarks },
  { id: "protobuf", title: "Protobuf request bodies (issue 25)", run: protobufBenchmarks },
  { id: "etcd", title: "The etcd store (issue 26): SQLite vs etcd (1 member and 3 members), raw etcd puts as the ceiling", run: etcdBenchmarks },
  { id: "etcd-scale", title: "The etcd store (issue 26): scenario 1's 10,000-replica Deployment on SQLite vs etcd (1 member)", run: etcdScaleBenchmarks },
  { id: "containerd", title: "Pod start-up on the containerd runtime (issue 25)", run: containerdBenchmarks },
];

/**
 * `npm run bench [-- id … [--update-latest]]`: runs the scenarios (all, or the ones named), prints each
 * table as it completes, and writes bench/results/latest.md + .json. A partial run writes partial.md +
 * .json, and with --update-latest also replaces its scenarios in latest (each section says when it ran).
 * Exits non-zero if any scenario did not complete — after reporting the others.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const updateLatest = args.includes("--update-latest");
  const wanted = args.filter((a) => a !== "--update-latest");
  const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
  const scenarios = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.id));
  const startedAt = new Date();
  const m = machine();
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const began = performance.now();
    const result: ScenarioResult = { id: s.id, title: s.title, seconds: 0, figures: [], ranAt: new Date().toISOString(), commit: m.commit, about: s.about };
    try {
      result.figures = await s.run();
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
      process.stderr.write(`scenario ${s.id} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    result.seconds = (performance.now() - began) / 1000;
    results.push(result);
    process.stdout.write(section(result) + "\n");
  }
  const dir = fileURLToPath(new URL("../../bench/results", import.meta.url));
  const files = writeReport(dir, wanted.length === 0 ? "latest" : "partial", { startedAt: startedAt.toISOString(), machine: m, scenarios: results });
  if (updateLatest && wanted.length > 0) {
    const merged = mergeInto(dir, "latest", results, SCENARIOS.map((s) => s.id));
    if (!merged) throw new Error("--update-latest: there is no bench/results/latest.json to update; run the whole suite first");
    files.push(...writeReport(dir, "latest", merged));
  }
  process.stdout.write(`Report: ${files.join(", ")}\n`);
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) throw new Error(`${failed.length} scenario(s) did not complete: ${failed.map((r) => r.id).join(", ")}`);
}

/**
 * The scheduler scenario hosts a `tug up` in this process: it runs with tug's own V8 flags (bin/tug.js's),
 * so without them this process starts itself again with them.
 */
function hasTugFlags(): boolean {
  return TUG_NODE_FLAGS.every((f) => process.execArgv.includes(f));
}

if (!hasTugFlags()) {
  const child = spawnSync(process.execPath, [...TUG_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}

// Exit when done: a peer's client (PM2's) may keep handles open after it disconnects.
main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
