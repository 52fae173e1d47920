import type { CaseResult, Outcome } from "./run.js";

/**
 * The suite's table: codename → pass / fail (first line of the error) / not served (what is missing),
 * counted per outcome and per area (the codename's `[sig-…]`). A case marked knownFailure says so beside
 * its outcome; one that passes anyway is a stale mark, and `staleMarks` lists it.
 */

const OUTCOMES: Outcome[] = ["pass", "fail", "not served"];

export function areaOf(codename: string): string {
  return /^\[(sig-[^\]]+)\]/.exec(codename)?.[1] ?? "other";
}

/** Failures the suite does not tolerate: failing cases without a knownFailure mark. */
export function unexpectedFailures(results: readonly CaseResult[]): CaseResult[] {
  return results.filter((r) => r.outcome === "fail" && !r.knownFailure);
}

/** knownFailure marks that no longer hold: the case passed. */
export function staleMarks(results: readonly CaseResult[]): CaseResult[] {
  return results.filter((r) => r.outcome === "pass" && r.knownFailure);
}

function counts(results: readonly CaseResult[]): string {
  const parts = OUTCOMES.map((o) => `${results.filter((r) => r.outcome === o).length} ${o}`);
  const known = results.filter((r) => r.outcome === "fail" && r.knownFailure).length;
  return `${results.length} cases: ${parts.join(", ")}${known ? ` (${known} of the failures known)` : ""}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function resultCell(r: CaseResult): string {
  if (r.outcome === "pass") return r.knownFailure ? `pass (stale knownFailure: ${r.knownFailure})` : "pass";
  if (r.outcome === "not served") return `not served: ${r.detail ?? ""}`;
  return `${r.knownFailure ? `fail (known: ${r.knownFailure})` : "**fail**"}: ${r.detail ?? ""}`;
}

/** The plain-text table printed by the e2e test: one line a case. */
export function textTable(results: readonly CaseResult[]): string {
  const width = Math.min(120, Math.max(...results.map((r) => r.codename.length), 8));
  const lines = results.map((r) => `${r.codename.padEnd(width)}  ${resultCell(r).replace(/\*\*/g, "")}  (${r.seconds.toFixed(1)} s)`);
  return [...lines, counts(results)].join("\n");
}

export interface ReportHeader {
  date: string;
  commit: string;
  seconds: number;
}

/** bench/results/conformance.md: date, commit, counts per outcome and per area, then the table. */
export function markdownReport(results: readonly CaseResult[], header: ReportHeader): string {
  const areas = [...new Set(results.map((r) => areaOf(r.codename)))];
  const lines = [
    "# Tugboat conformance report",
    "",
    `Run ${header.date} at commit ${header.commit}; ${Math.round(header.seconds)} s in all (\`npm run conformance\`).`,
    "Each case reproduces one entry of upstream's test/conformance/testdata/conformance.yaml against one `tug up`",
    "(process runtime, one node), in a namespace of its own. \"not served\" names what Tugboat does not serve yet.",
    "",
    `**${counts(results)}.**`,
    "",
    "| area | cases | pass | fail | not served |",
    "| --- | --- | --- | --- | --- |",
    ...areas.map((area) => {
      const of = results.filter((r) => areaOf(r.codename) === area);
      return `| ${area} | ${of.length} | ${OUTCOMES.map((o) => of.filter((r) => r.outcome === o).length).join(" | ")} |`;
    }),
    "",
    "| codename | result | seconds |",
    "| --- | --- | --- |",
    ...results.map((r) => `| ${cell(r.codename)} | ${cell(resultCell(r))} | ${r.outcome === "not served" ? "" : r.seconds.toFixed(1)} |`),
    "",
  ];
  return lines.join("\n");
}
