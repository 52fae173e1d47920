import { selectorFromLabelSelector } from "../labels.js";
import { goStringMap, invalid, notSupported, required, forbidden, type FieldError } from "../field-errors.js";
import { scaledValue, type IntOrString } from "../intstr.js";
import { validateLabels } from "./names.js";
import { validatePodSpec } from "./pod.js";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";

type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});

export function nonNegative(value: unknown, field: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value !== "number" || !Number.isInteger(value)) return [invalid(field, value, "must be an integer")];
  return value < 0 ? [invalid(field, value, "must be greater than or equal to 0")] : [];
}

/** Selector + template checks shared by every pod controller. */
export function validateSelectorAndTemplate(spec: Json, path: string, opts: { selectorRequired: boolean; restartPolicies?: string[] }): FieldError[] {
  const errs: FieldError[] = [];
  const rawSelector = spec.selector as LabelSelector | undefined;
  const template = obj(spec.template);
  const templateLabels = obj(obj(template.metadata).labels) as Record<string, string>;
  if (opts.selectorRequired) {
    if (!rawSelector) errs.push(required(`${path}.selector`));
    else if (Object.keys(rawSelector.matchLabels ?? {}).length === 0 && (rawSelector.matchExpressions ?? []).length === 0) {
      errs.push(invalid(`${path}.selector`, "", "empty selector is invalid for deployment"));
    }
  }
  errs.push(...validateLabels(obj(template.metadata).labels, `${path}.template.metadata.labels`));
  if (rawSelector) {
    let selectorOk = true;
    try {
      const s = selectorFromLabelSelector(rawSelector);
      if (s && !s.isEmpty() && !s.matches(templateLabels)) selectorOk = false;
    } catch {
      errs.push(invalid(`${path}.selector`, "", "invalid label selector"));
    }
    if (!selectorOk) {
      errs.push({ type: "Invalid", field: `${path}.template.metadata.labels`, rendered: goStringMap(templateLabels), detail: "`selector` does not match template `labels`" });
    }
  }
  if (spec.template === undefined) errs.push(required(`${path}.template`));
  else {
    errs.push(...validatePodSpec(template.spec, `${path}.template.spec`));
    const policy = obj(template.spec).restartPolicy as string | undefined;
    const allowed = opts.restartPolicies ?? ["Always"];
    if (policy !== undefined && !allowed.includes(policy)) errs.push(notSupported(`${path}.template.spec.restartPolicy`, policy, allowed));
  }
  return errs;
}

/**
 * maxSurge/maxUnavailable: a non-negative count or a percentage; `capAt100` for maxUnavailable (a surge
 * may exceed 100%). Strings render as Go prints an IntOrString, as upstream's messages do.
 */
function intOrPercent(value: unknown, field: string, capAt100: boolean): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === "number") return nonNegative(value, field);
  const rendered = goIntOrString(value as IntOrString);
  if (typeof value === "string" && /^[0-9]+%$/.test(value)) {
    return capAt100 && Number(value.slice(0, -1)) > 100 ? [{ type: "Invalid", field, rendered, detail: "must not be greater than 100%" }] : [];
  }
  return [{ type: "Invalid", field, rendered, detail: "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')" }];
}

function goIntOrString(v: IntOrString | undefined): string {
  return typeof v === "string" ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:"${v}"}` : `intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`;
}

export function validateDeploymentSpec(spec: Json): FieldError[] {
  const errs = [...nonNegative(spec.replicas, "spec.replicas"), ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true })];
  const strategy = obj(spec.strategy);
  const type = strategy.type ?? "RollingUpdate";
  if (type !== "RollingUpdate" && type !== "Recreate") errs.push(notSupported("spec.strategy.type", type, ["Recreate", "RollingUpdate"]));
  if (type === "Recreate" && strategy.rollingUpdate !== undefined) {
    errs.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (type === "RollingUpdate") {
    const ru = obj(strategy.rollingUpdate);
    const surge = ru.maxSurge as IntOrString | undefined;
    const unavailable = ru.maxUnavailable as IntOrString | undefined;
    const e1 = intOrPercent(surge, "spec.strategy.rollingUpdate.maxSurge", false);
    const e2 = intOrPercent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", true);
    errs.push(...e2, ...e1);
    if (e1.length === 0 && e2.length === 0 && scaledValue(surge, 100, true) === 0 && scaledValue(unavailable, 100, false) === 0 && (surge !== undefined || unavailable !== undefined)) {
      errs.push({ type: "Invalid", field: "spec.strategy.rollingUpdate.maxUnavailable", rendered: goIntOrString(unavailable), detail: "may not be 0 when `maxSurge` is 0" });
    }
  }
  errs.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const deadline = spec.progressDeadlineSeconds;
  if (typeof deadline === "number" && typeof spec.minReadySeconds === "number" && deadline <= spec.minReadySeconds) {
    errs.push(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
  }
  return errs;
}

export function validateReplicaSetSpec(spec: Json): FieldError[] {
  return [...nonNegative(spec.replicas, "spec.replicas"), ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true })];
}

export function validateReplicationControllerSpec(spec: Json): FieldError[] {
  const selector = obj(spec.selector) as Record<string, string>;
  const converted = { ...spec, selector: Object.keys(selector).length ? { matchLabels: selector } : undefined };
  return [...nonNegative(spec.replicas, "spec.replicas"), ...validateSelectorAndTemplate(converted, "spec", { selectorRequired: true })];
}

export function validateDaemonSetSpec(spec: Json): FieldError[] {
  const errs = validateSelectorAndTemplate(spec, "spec", { selectorRequired: true });
  const strategy = obj(spec.updateStrategy);
  const type = strategy.type ?? "RollingUpdate";
  if (type !== "RollingUpdate" && type !== "OnDelete") errs.push(notSupported("spec.updateStrategy.type", type, ["OnDelete", "RollingUpdate"]));
  const ru = obj(strategy.rollingUpdate);
  errs.push(...intOrPercent(ru.maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", true));
  errs.push(...intOrPercent(ru.maxSurge, "spec.updateStrategy.rollingUpdate.maxSurge", false));
  return errs;
}

export function validateStatefulSetSpec(spec: Json): FieldError[] {
  const errs = [...nonNegative(spec.replicas, "spec.replicas"), ...validateSelectorAndTemplate(spec, "spec", { selectorRequired: true })];
  const policy = spec.podManagementPolicy;
  if (policy !== undefined && policy !== "OrderedReady" && policy !== "Parallel") {
    errs.push(notSupported("spec.podManagementPolicy", policy, ["OrderedReady", "Parallel"]));
  }
  const type = obj(spec.updateStrategy).type;
  if (type !== undefined && type !== "RollingUpdate" && type !== "OnDelete") errs.push(notSupported("spec.updateStrategy.type", type, ["OnDelete", "RollingUpdate"]));
  if (typeof spec.serviceName !== "string" || spec.serviceName === "") errs.push(required("spec.serviceName"));
  const ru = obj(obj(spec.updateStrategy).rollingUpdate);
  errs.push(...nonNegative(ru.partition, "spec.updateStrategy.rollingUpdate.partition"));
  if (ru.maxUnavailable !== undefined) {
    errs.push(...intOrPercent(ru.maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", true));
    if (ru.maxUnavailable === 0 || ru.maxUnavailable === "0%") errs.push(invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", ru.maxUnavailable, "must be greater than 0"));
  }
  for (const [i, claim] of (Array.isArray(spec.volumeClaimTemplates) ? (spec.volumeClaimTemplates as Json[]) : []).entries()) {
    const name = obj(claim.metadata).name;
    if (typeof name !== "string" || name === "") errs.push(required(`spec.volumeClaimTemplates[${i}].metadata.name`));
    const modes = obj(claim.spec).accessModes;
    if (!Array.isArray(modes) || modes.length === 0) errs.push(required(`spec.volumeClaimTemplates[${i}].spec.accessModes`, "at least 1 access mode is required"));
    if (obj(obj(obj(claim.spec).resources).requests).storage === undefined) errs.push(required(`spec.volumeClaimTemplates[${i}].spec.resources[storage]`));
  }
  return errs;
}

/** apps/v1 selectors never change after creation. */
export function validateSelectorImmutable(next: Json, old: Json): FieldError[] {
  if (JSON.stringify(next.selector ?? null) === JSON.stringify(old.selector ?? null)) return [];
  return [{ type: "Invalid", field: "spec.selector", rendered: goLabelSelector(next.selector as LabelSelector | undefined), detail: "field is immutable" }];
}

function goLabelSelector(s: LabelSelector | undefined): string {
  if (!s) return "(*v1.LabelSelector)(nil)";
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:[]v1.LabelSelectorRequirement(${s.matchExpressions?.length ? "…" : "nil"})}`;
}
