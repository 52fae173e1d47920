import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import type { Figure } from "./figure.js";

/** What one scenario of the suite produced: its figures, or why it did not complete. */
export interface ScenarioResult {
  id: string;
  title: string;
  seconds: number;
  figures: Figure[];
  error?: string;
  /** When it ran (ISO time) and on which commit: a report may be refreshed one scenario at a time. */
  ranAt: string;
  commit: string;
  /** What the section measures, in a paragraph under its title. */
  about?: string;
}

/** A written report, as latest.json holds it. */
export interface Report {
  startedAt: string;
  machine: Machine;
  scenarios: ScenarioResult[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  commit: string;
}

export function machine(): Machine {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // Not a git checkout: the report says so.
  }
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, commit };
}

function number(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function row(f: Figure): string {
  const spread = f.runs && f.runs.length > 1 ? `${number(Math.min(...f.runs))} – ${number(Math.max(...f.runs))} (${f.runs.length} runs)` : "1 run";
  const against = f.against ? `${number(f.value / f.against.value)}× ${f.against.name} (${number(f.against.value)} ${f.against.unit})` : "";
  const verdict = f.goal === "(reported)" || f.goal === "(ceiling)" ? "" : f.met ? "met" : "**missed**";
  return `| ${f.name} | ${number(f.value)} ${f.unit} | ${spread} | ${against} | ${f.goal} | ${verdict} | ${f.detail ?? ""} |`;
}

/** The report as Markdown: the machine, then one table per scenario (median, min–max, ratio, goal). */
export function markdown(report: Report): string {
  const { machine: m, scenarios: results } = report;
  const total = results.reduce((s, r) => s + r.seconds, 0);
  const lines = [
    "# Tugboat benchmark report",
    "",
    `Run ${report.startedAt} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, commit ${m.commit}; ${Math.round(total)} s in all.`,
    "A section run again later (`npm run bench -- <id> --update-latest`) says so under its table.",
    "Each figure is the median of its runs (min – max beside it). Ratios divide the figure by a ceiling or peer measured in the same run.",
    "The machine is shared: expect a few percent of noise between runs, more on figures under a millisecond.",
    "",
  ];
  for (const r of results) lines.push(section(r));
  return lines.join("\n");
}

/** One scenario's part of the report: its title, its table, and how long it took. */
export function section(r: ScenarioResult): string {
  const lines = [`## ${r.title}`, ""];
  if (r.about) lines.push(r.about, "");
  if (r.error) lines.push(`**Did not complete**: ${r.error}`, "");
  if (r.figures.length > 0) {
    lines.push("| figure | median | min – max | against | goal | | detail |", "| --- | --- | --- | --- | --- | --- | --- |", ...r.figures.map(row), "");
  }
  lines.push(`(${Math.round(r.seconds)} s; ran ${r.ranAt} at commit ${r.commit})`, "");
  return lines.join("\n");
}

/** Writes `<name>.md` and `<name>.json` under bench/results/. */
export function writeReport(dir: string, name: string, report: Report): string[] {
  mkdirSync(dir, { recursive: true });
  const md = join(dir, `${name}.md`);
  const json = join(dir, `${name}.json`);
  writeFileSync(md, markdown(report));
  writeFileSync(json, JSON.stringify(report, null, 2) + "\n");
  return [md, json];
}

/** The report at `dir/<name>.json`, with `fresh` in place of the scenarios of the same id (in `order`). */
export function mergeInto(dir: string, name: string, fresh: ScenarioResult[], order: string[]): Report | undefined {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, "utf8")) as Report;
  const byId = new Map(report.scenarios.map((r) => [r.id, { ...r, ranAt: r.ranAt ?? report.startedAt, commit: r.commit ?? report.machine.commit }]));
  for (const r of fresh) byId.set(r.id, r);
  report.scenarios = order.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
  return report;
}
