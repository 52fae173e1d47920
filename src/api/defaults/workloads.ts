import { defaultPodTemplate } from "./pod.js";

type Json = Record<string, unknown>;
const obj = (o: Json, key: string): Json => {
  if (typeof o[key] !== "object" || o[key] === null) o[key] = {};
  return o[key] as Json;
};
const setDefault = (o: Json, key: string, value: unknown) => {
  if (o[key] === undefined) o[key] = value;
};

export function defaultDeployment(d: Json): void {
  const spec = obj(d, "spec");
  setDefault(spec, "replicas", 1);
  const strategy = obj(spec, "strategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = obj(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: Json): void {
  const spec = obj(rs, "spec");
  setDefault(spec, "replicas", 1);
  defaultPodTemplate(spec.template);
}

export function defaultReplicationController(rc: Json): void {
  const spec = obj(rc, "spec");
  setDefault(spec, "replicas", 1);
  const templateLabels = ((spec.template as Json | undefined)?.metadata as Json | undefined)?.labels as Record<string, string> | undefined;
  if (templateLabels) {
    if (!spec.selector || Object.keys(spec.selector as object).length === 0) spec.selector = { ...templateLabels };
    const meta = obj(rc, "metadata");
    if (!meta.labels || Object.keys(meta.labels as object).length === 0) meta.labels = { ...templateLabels };
  }
  defaultPodTemplate(spec.template);
}

export function defaultDaemonSet(ds: Json): void {
  const spec = obj(ds, "spec");
  const strategy = obj(spec, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = obj(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", 1);
    setDefault(ru, "maxSurge", 0);
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(spec.template);
}

export function defaultStatefulSet(sts: Json): void {
  const spec = obj(sts, "spec");
  setDefault(spec, "replicas", 1);
  setDefault(spec, "podManagementPolicy", "OrderedReady");
  const strategy = obj(spec, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") setDefault(obj(strategy, "rollingUpdate"), "partition", 0);
  setDefault(spec, "revisionHistoryLimit", 10);
  const retention = obj(spec, "persistentVolumeClaimRetentionPolicy");
  setDefault(retention, "whenDeleted", "Retain");
  setDefault(retention, "whenScaled", "Retain");
  for (const claim of Array.isArray(spec.volumeClaimTemplates) ? (spec.volumeClaimTemplates as Json[]) : []) {
    setDefault(obj(claim, "spec"), "volumeMode", "Filesystem");
    setDefault(claim, "apiVersion", "v1");
    setDefault(claim, "kind", "PersistentVolumeClaim");
  }
  defaultPodTemplate(spec.template);
}

/** The JobSpec defaults shared by a Job and a CronJob's job template. */
function defaultJobSpec(spec: Json): void {
  setDefault(spec, "backoffLimit", 6);
  setDefault(spec, "completionMode", "NonIndexed");
  setDefault(spec, "suspend", false);
  // As upstream: with a podFailurePolicy, a pod is replaced only once it has Failed (its conditions decide).
  setDefault(spec, "podReplacementPolicy", spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed");
  defaultPodTemplate(spec.template);
}

export function defaultJob(job: Json): void {
  const spec = obj(job, "spec");
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, "parallelism", 1);
  defaultJobSpec(spec);
}

export function defaultCronJob(cj: Json): void {
  const spec = obj(cj, "spec");
  setDefault(spec, "concurrencyPolicy", "Allow");
  setDefault(spec, "suspend", false);
  setDefault(spec, "successfulJobsHistoryLimit", 3);
  setDefault(spec, "failedJobsHistoryLimit", 1);
  defaultJobSpec(obj(obj(spec, "jobTemplate"), "spec"));
}

export function defaultService(svc: Json): void {
  const spec = obj(svc, "spec");
  setDefault(spec, "type", "ClusterIP");
  setDefault(spec, "sessionAffinity", "None");
  setDefault(spec, "internalTrafficPolicy", "Cluster");
  for (const port of Array.isArray(spec.ports) ? (spec.ports as Json[]) : []) {
    setDefault(port, "protocol", "TCP");
    setDefault(port, "targetPort", port.port);
  }
}
