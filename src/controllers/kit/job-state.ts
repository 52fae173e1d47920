import type { JobCondition, JobStatus } from "kubernetes-types/batch/v1.js";

/** A finished Job's Complete or Failed condition (status True); undefined while it runs. */
export function finishedCondition(status: JobStatus | undefined): (JobCondition & { type: "Complete" | "Failed" }) | undefined {
  const c = (status?.conditions ?? []).find((x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True");
  return c as (JobCondition & { type: "Complete" | "Failed" }) | undefined;
}
