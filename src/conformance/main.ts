import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALL_CASES } from "./cases/index.js";
import { markdownReport, textTable } from "./report.js";
import { runCases, startSuiteCluster } from "./run.js";

/**
 * `npm run conformance`: runs every case against one `tug up` and writes the table to
 * bench/results/conformance.md (beside the bench report). `-- <text>` runs only the cases whose codename
 * contains the text, and then prints the table without writing the report.
 */
const REPORT = fileURLToPath(new URL("../../../bench/results/conformance.md", import.meta.url));

async function main(): Promise<void> {
  const filter = process.argv.slice(2).join(" ");
  const cases = filter ? ALL_CASES.filter((c) => c.codename.includes(filter)) : ALL_CASES;
  const started = Date.now();
  const suite = await startSuiteCluster();
  let results;
  try {
    results = await runCases(suite, cases, {
      concurrency: Number(process.env.TUG_CONFORMANCE_CONCURRENCY) || undefined,
      onResult: (r) => process.stderr.write(`${r.outcome.padEnd(10)} ${r.seconds.toFixed(1).padStart(5)} s  ${r.codename}${r.detail && r.outcome === "fail" ? `\n    ${r.detail}` : ""}\n`),
    });
  } finally {
    await suite.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`${textTable(results)}\n${Math.round(seconds)} s\n`);
  if (filter) return;
  writeFileSync(REPORT, markdownReport(results, { date: new Date().toISOString(), commit: commit(), seconds }));
  process.stdout.write(`wrote ${REPORT}\n`);
}

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
