import { cpus, totalmem } from "node:os";
import { apiBenchmarks, type Figure } from "./api.js";
import { deploymentBenchmarks } from "./deployment.js";
import { proxyBenchmarks } from "./proxy.js";
import { replicaSetBenchmarks } from "./replicaset.js";
import { schedulerBenchmarks } from "./scheduler.js";
import { workloadBenchmarks } from "./workloads.js";

/** Runs every benchmark and prints its figures; exits non-zero if a scenario could not complete. */
async function main(): Promise<void> {
  process.stdout.write(`Tugboat benchmarks on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n\n`);
  const only = process.argv[2];
  const figures: Figure[] = [];
  if (!only || only === "api") figures.push(...(await apiBenchmarks()));
  if (!only || only === "scheduler") figures.push(...(await schedulerBenchmarks()));
  if (!only || only === "replicaset") figures.push(...(await replicaSetBenchmarks()));
  if (!only || only === "deployment") figures.push(...(await deploymentBenchmarks()));
  if (!only || only === "proxy") figures.push(...(await proxyBenchmarks()));
  if (!only || only === "workloads") figures.push(...(await workloadBenchmarks()));
  const rows = figures.map((f) => `| ${f.name} | ${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit} | ${f.goal} | ${f.met ? "met" : "MISSED"} | ${f.detail ?? ""} |`);
  process.stdout.write(["| figure | measured | goal | | detail |", "| --- | --- | --- | --- | --- |", ...rows].join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
