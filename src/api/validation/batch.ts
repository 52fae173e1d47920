import { CronExpressionParser } from "cron-parser";
import { canonicalJson } from "../canonical.js";
import { parseCronSchedule } from "../cron.js";
import { invalid, notSupported, required, type FieldError } from "../field-errors.js";
import { nonNegative, obj, validateSelectorAndTemplate } from "./workloads.js";

type Json = Record<string, unknown>;

/** Indexed Jobs are capped as upstream: at most 100,000 completions and parallelism. */
const MAX_INDEXED = 100_000;

export function validateJobSpec(spec: Json): FieldError[] {
  const errs = [
    ...nonNegative(spec.parallelism, "spec.parallelism"),
    ...nonNegative(spec.completions, "spec.completions"),
    ...nonNegative(spec.backoffLimit, "spec.backoffLimit"),
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: false, restartPolicies: ["OnFailure", "Never"] }),
  ];
  const policy = obj(obj(spec.template).spec).restartPolicy;
  if (policy === undefined) errs.push(required("spec.template.spec.restartPolicy"));
  if (spec.activeDeadlineSeconds !== undefined && !((spec.activeDeadlineSeconds as number) > 0)) {
    errs.push(invalid("spec.activeDeadlineSeconds", spec.activeDeadlineSeconds, "must be greater than or equal to 1"));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== "NonIndexed" && mode !== "Indexed") errs.push(notSupported("spec.completionMode", mode, ["NonIndexed", "Indexed"]));
  if (mode === "Indexed" && spec.completions === undefined) errs.push(required("spec.completions", "when completion mode is Indexed"));
  if (mode === "Indexed" && typeof spec.completions === "number" && spec.completions > MAX_INDEXED) {
    errs.push(invalid("spec.completions", spec.completions, `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`));
  }
  if (mode === "Indexed" && typeof spec.parallelism === "number" && spec.parallelism > MAX_INDEXED) {
    errs.push(invalid("spec.parallelism", spec.parallelism, `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`));
  }
  return errs;
}

/** What a Job update may not change (upstream's ValidateJobSpecUpdate): completions, completionMode, the template, the failure policy. */
export function validateJobSpecUpdate(next: Json, old: Json): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ["completions", "completionMode", "podFailurePolicy", "backoffLimitPerIndex"]) {
    if (JSON.stringify(next[field] ?? null) !== JSON.stringify(old[field] ?? null)) errs.push(invalid(`spec.${field}`, next[field], "field is immutable"));
  }
  if (canonicalJson(next.template ?? null) !== canonicalJson(old.template ?? null)) errs.push({ type: "Invalid", field: "spec.template", rendered: "core.PodTemplateSpec{…}", detail: "field is immutable" });
  return errs;
}

/**
 * A schedule's problems in upstream's words (validateScheduleFormat): robfig's parser error, and any `TZ`
 * in the schedule (the timeZone field replaced it; upstream lets an update keep a schedule that had one,
 * which no CronJob here can have: they were always refused).
 */
export function scheduleErrors(schedule: string, allowTZ = false): string[] {
  const problems: string[] = [];
  try {
    const parsed = parseCronSchedule(schedule);
    if (parsed.kind === "fields") CronExpressionParser.parse(parsed.expression, { tz: "UTC", currentDate: new Date(0) });
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  if (!allowTZ && schedule.includes("TZ")) problems.push("cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
  return problems;
}

/** Whether the IANA zone is known here (upstream: time.LoadLocation; "Local" is refused). */
function knownTimeZone(tz: string): boolean {
  if (tz === "" || tz === "Local") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function validateCronJobSpec(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const { schedule, timeZone } = spec;
  const badZone = timeZone !== undefined && (typeof timeZone !== "string" || !knownTimeZone(timeZone));
  if (badZone) {
    errs.push(invalid("spec.timeZone", timeZone, timeZone === "Local" ? "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" : `unknown time zone ${String(timeZone)}`));
  }
  if (typeof schedule !== "string" || schedule === "") errs.push(required("spec.schedule"));
  else for (const problem of scheduleErrors(schedule)) errs.push(invalid("spec.schedule", schedule, problem));
  const policy = spec.concurrencyPolicy;
  if (policy !== undefined && !["Allow", "Forbid", "Replace"].includes(policy as string)) {
    errs.push(notSupported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]));
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  const jobSpec = obj(obj(spec.jobTemplate).spec);
  errs.push(...validateJobSpec(jobSpec).map((e) => ({ ...e, field: e.field.replace(/^spec\./, "spec.jobTemplate.spec.") })));
  return errs;
}
