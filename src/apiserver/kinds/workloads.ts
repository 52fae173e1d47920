import { DAEMONSET_TEMPLATE_GENERATION_ANNOTATION } from "../../api/apps.js";
import { canonicalJson } from "../../api/canonical.js";
import {
  defaultCronJob, defaultDaemonSet, defaultDeployment, defaultJob, defaultReplicaSet, defaultReplicationController, defaultStatefulSet,
} from "../../api/defaults/workloads.js";
import type { FieldError } from "../../api/field-errors.js";
import type { KubeObject } from "../../api/types.js";
import {
  validateDaemonSetSpec, validateDeploymentSpec, validateReplicaSetSpec,
  validateReplicationControllerSpec, validateSelectorImmutable, validateStatefulSetSpec,
} from "../../api/validation/workloads.js";
import { validateCronJobSpec, validateJobSpec, validateJobSpecUpdate } from "../../api/validation/batch.js";
import type { Strategy } from "../resource.js";

type Json = Record<string, unknown>;
const spec = (o: KubeObject): Json => (o.spec ?? {}) as Json;

/** A controller kind: spec + status subresource, generation tracking, status reset on create. */
function workload(defaults: (o: Json) => void, validate: (spec: Json) => FieldError[], immutableSelector: boolean): Strategy {
  return {
    status: true,
    generation: true,
    defaults: (o) => defaults(o),
    prepareForCreate: (o) => {
      o.status = {};
    },
    validate: (o) => validate(spec(o)),
    validateUpdate: immutableSelector ? (o, old) => validateSelectorImmutable(spec(o), spec(old)) : undefined,
  };
}

export const deploymentStrategy: Strategy = {
  ...workload(defaultDeployment, validateDeploymentSpec, true),
  // Upstream's deployment status strategy resets labels too (annotations stay: the controller records the
  // revision annotation in the same write as the status).
  prepareForStatusUpdate(d, old) {
    if (old.metadata.labels === undefined) delete d.metadata.labels;
    else d.metadata.labels = old.metadata.labels;
  },
};
export const replicaSetStrategy = workload(defaultReplicaSet, validateReplicaSetSpec, true);
export const replicationControllerStrategy = workload(defaultReplicationController, validateReplicationControllerSpec, false);

export const daemonSetStrategy: Strategy = {
  ...workload(defaultDaemonSet, validateDaemonSetSpec, true),
  prepareForCreate(ds) {
    ds.status = {};
    ds.metadata.annotations = { ...ds.metadata.annotations, [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: "1" };
  },
  prepareForUpdate(ds, old) {
    const was = Number(old.metadata.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION] ?? "1") || 1;
    const changed = canonicalJson(spec(ds).template ?? null) !== canonicalJson(spec(old).template ?? null);
    ds.metadata.annotations = { ...ds.metadata.annotations, [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: String(changed ? was + 1 : was) };
  },
};
export const statefulSetStrategy: Strategy = {
  ...workload(defaultStatefulSet, validateStatefulSetSpec, true),
  validateUpdate: (o, old) => {
    const errs = validateSelectorImmutable(spec(o), spec(old));
    const mutable = ["replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "ordinals", "revisionHistoryLimit"];
    const rest = (s: Json) => JSON.stringify(Object.fromEntries(Object.entries(s).filter(([k]) => !mutable.includes(k) && k !== "selector").sort()));
    if (rest(spec(o)) !== rest(spec(old))) {
      errs.push({ type: "Forbidden", field: "spec", detail: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" });
    }
    return errs;
  },
};

export const jobStrategy: Strategy = {
  ...workload(defaultJob, validateJobSpec, true),
  validateUpdate: (o, old) => [...validateSelectorImmutable(spec(o), spec(old)), ...validateJobSpecUpdate(spec(o), spec(old))],
  prepareForCreate(job) {
    job.status = {};
    const s = spec(job);
    const template = (s.template ?? {}) as Json;
    const meta = (template.metadata ?? {}) as Json;
    if (s.manualSelector !== true) {
      // Upstream generates the selector from the job's uid and labels the template to match it.
      const uid = job.metadata.uid!;
      const name = job.metadata.name!;
      s.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
      meta.labels = {
        ...(meta.labels as Record<string, string>), "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
        "controller-uid": uid, "job-name": name,
      };
      template.metadata = meta;
      s.template = template;
    }
    // batch/v1 defaulting gives a Job without labels its template's (upstream applies it on every read).
    if (Object.keys(job.metadata.labels ?? {}).length === 0 && meta.labels) job.metadata.labels = { ...(meta.labels as Record<string, string>) };
  },
};

export const cronJobStrategy = workload(defaultCronJob, validateCronJobSpec, false);
