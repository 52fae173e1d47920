import { formatLabelSelector } from "../../api/labels.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { TableConvertor } from "../resource.js";
import { age, ageColumn, arr, col, containersAndImages, humanDuration, nameColumn, none, num, obj } from "./format.js";

const wide = [col("Containers", "string", 1), col("Images", "string", 1), col("Selector", "string", 1)];

export const deploymentTable: TableConvertor = {
  columns: [nameColumn, col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"), ageColumn, ...wide],
  cells(d, ctx) {
    const spec = obj(d.spec);
    const status = obj(d.status);
    const [containers, images] = containersAndImages(spec.template);
    return [d.metadata.name, `${num(status.readyReplicas)}/${num(spec.replicas)}`, num(status.updatedReplicas), num(status.availableReplicas),
      age(d.metadata.creationTimestamp, ctx), containers, images, formatLabelSelector(spec.selector as LabelSelector)];
  },
};

export const replicaSetTable: TableConvertor = {
  columns: [nameColumn, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), ageColumn, ...wide],
  cells(rs, ctx) {
    const spec = obj(rs.spec);
    const status = obj(rs.status);
    const [containers, images] = containersAndImages(spec.template);
    const selector = rs.kind === "ReplicationController"
      ? formatLabelSelector({ matchLabels: obj(spec.selector) as Record<string, string> })
      : formatLabelSelector(spec.selector as LabelSelector);
    return [rs.metadata.name, num(spec.replicas), num(status.replicas), num(status.readyReplicas),
      age(rs.metadata.creationTimestamp, ctx), containers, images, selector];
  },
};

export const daemonSetTable: TableConvertor = {
  columns: [nameColumn, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), col("Up-to-date", "integer"),
    col("Available", "integer"), col("Node Selector"), ageColumn, ...wide],
  cells(ds, ctx) {
    const spec = obj(ds.spec);
    const status = obj(ds.status);
    const [containers, images] = containersAndImages(spec.template);
    const nodeSelector = Object.entries(obj(obj(obj(spec.template).spec).nodeSelector)).map(([k, v]) => `${k}=${v}`).join(",");
    return [ds.metadata.name, num(status.desiredNumberScheduled), num(status.currentNumberScheduled), num(status.numberReady),
      num(status.updatedNumberScheduled), num(status.numberAvailable), none(nodeSelector), age(ds.metadata.creationTimestamp, ctx),
      containers, images, formatLabelSelector(spec.selector as LabelSelector)];
  },
};

export const statefulSetTable: TableConvertor = {
  columns: [nameColumn, col("Ready"), ageColumn, col("Containers", "string", 1), col("Images", "string", 1)],
  cells(sts, ctx) {
    const spec = obj(sts.spec);
    const [containers, images] = containersAndImages(spec.template);
    return [sts.metadata.name, `${num(obj(sts.status).readyReplicas)}/${num(spec.replicas)}`, age(sts.metadata.creationTimestamp, ctx), containers, images];
  },
};

export const controllerRevisionTable: TableConvertor = {
  columns: [nameColumn, col("Controller"), col("Revision", "integer"), ageColumn],
  cells(cr, ctx) {
    const owner = (cr.metadata.ownerReferences ?? []).find((r) => r.controller);
    const controller = owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.includes("/") ? owner.apiVersion.split("/")[0] : ""}/${owner.name}`.replace("./", "/") : "<none>";
    return [cr.metadata.name, controller, num(cr.revision), age(cr.metadata.creationTimestamp, ctx)];
  },
};

function jobStatus(status: Record<string, unknown>, spec: Record<string, unknown>): string {
  const conditions = arr(status.conditions);
  const has = (type: string) => conditions.some((c) => c.type === type && c.status === "True");
  if (has("Failed")) return "Failed";
  if (has("Complete")) return "Complete";
  if (has("Suspended") || spec.suspend === true) return "Suspended";
  if (has("FailureTarget")) return "FailureTarget";
  if (has("SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

export const jobTable: TableConvertor = {
  columns: [nameColumn, col("Status"), col("Completions"), col("Duration"), ageColumn, ...wide],
  cells(job, ctx) {
    const spec = obj(job.spec);
    const status = obj(job.status);
    const completions = spec.completions === undefined
      ? `${num(status.succeeded)}/1 of ${num(spec.parallelism)}`
      : `${num(status.succeeded)}/${num(spec.completions)}`;
    const start = typeof status.startTime === "string" ? Date.parse(status.startTime) : 0;
    const end = typeof status.completionTime === "string" ? Date.parse(status.completionTime) : ctx.now;
    const [containers, images] = containersAndImages(spec.template);
    return [job.metadata.name, jobStatus(status, spec), completions, start ? humanDuration(end - start) : "", age(job.metadata.creationTimestamp, ctx),
      containers, images, formatLabelSelector(spec.selector as LabelSelector)];
  },
};

export const cronJobTable: TableConvertor = {
  columns: [nameColumn, col("Schedule"), col("Timezone"), col("Suspend", "boolean"), col("Active", "integer"), col("Last Schedule"), ageColumn,
    ...wide],
  cells(cj, ctx) {
    const spec = obj(cj.spec);
    const status = obj(cj.status);
    const last = typeof status.lastScheduleTime === "string" ? age(status.lastScheduleTime, ctx) : "<none>";
    const jobSpec = obj(obj(spec.jobTemplate).spec);
    const [containers, images] = containersAndImages(jobSpec.template);
    return [cj.metadata.name, spec.schedule, none(spec.timeZone as string), spec.suspend === true ? "True" : "False", arr(status.active).length, last,
      age(cj.metadata.creationTimestamp, ctx), containers, images, formatLabelSelector(jobSpec.selector as LabelSelector)];
  },
};
