import { isDeepStrictEqual } from "node:util";
import { forbidden, notFound, type FieldError } from "../field-errors.js";
import { validateContainer } from "./pod.js";

type Json = Record<string, unknown>;
const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** The Container fields an ephemeral container may not set (upstream's allow list, in the struct's order). */
const FORBIDDEN_FIELDS = ["ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"];
const NOT_ALLOWED = "cannot be set for an Ephemeral Container";

/** Go's zero value test on decoded JSON: nothing, or only empty lists and objects all the way down. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as Json).every(isZero);
  return false;
}

/**
 * Upstream's validateEphemeralContainers: each is a valid container whose name is unique among all the
 * pod's containers, whose targetContainerName (if any) names a regular or init container, and which sets
 * none of the fields a pod's own services rely on (ports, probes, lifecycle, resources) nor subPaths.
 */
export function validateEphemeralContainers(spec: Json, path: string): FieldError[] {
  const list = asList(spec.ephemeralContainers);
  if (list.length === 0) return [];
  const others = new Set([...asList(spec.initContainers), ...asList(spec.containers)].map((c) => String(c.name ?? "")));
  const names = new Set(others);
  const errs: FieldError[] = [];
  list.forEach((c, i) => {
    const at = `${path}.ephemeralContainers[${i}]`;
    errs.push(...validateContainer(c, at, names));
    const target = c.targetContainerName;
    if (typeof target === "string" && target !== "" && !others.has(target)) errs.push(notFound(`${at}.targetContainerName`, target));
    for (const f of FORBIDDEN_FIELDS) if (!isZero(c[f])) errs.push(forbidden(`${at}.${f}`, NOT_ALLOWED));
    asList(c.volumeMounts).forEach((m, j) => {
      if (typeof m.subPath === "string" && m.subPath) errs.push(forbidden(`${at}.volumeMounts[${j}].subPath`, NOT_ALLOWED));
      if (typeof m.subPathExpr === "string" && m.subPathExpr) errs.push(forbidden(`${at}.volumeMounts[${j}].subPathExpr`, NOT_ALLOWED));
    });
  });
  return errs;
}

/** The fields of an ephemeral container that differ between two versions, one line each. */
function diff(old: Json, next: Json): string {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
  return keys.filter((k) => !isDeepStrictEqual(old[k], next[k]))
    .map((k) => `  ${k}: ${JSON.stringify(old[k] ?? null)} -> ${JSON.stringify(next[k] ?? null)}`).join("\n");
}

/**
 * Upstream's ValidatePodEphemeralContainersUpdate, its own part: ephemeral containers are only ever added;
 * one that is gone or differs from its stored self is Forbidden. Static (mirror) pods take none.
 */
export function validateEphemeralContainersUpdate(next: Json, old: Json, oldAnnotations: Record<string, string> | undefined): FieldError[] {
  if (oldAnnotations?.["kubernetes.io/config.mirror"] !== undefined) return [forbidden("", "static pods do not support ephemeral containers")];
  const field = "spec.ephemeralContainers";
  const byName = new Map(asList(next.ephemeralContainers).map((c) => [String(c.name ?? ""), c]));
  const errs: FieldError[] = [];
  for (const was of asList(old.ephemeralContainers)) {
    const name = String(was.name ?? "");
    const now = byName.get(name);
    if (!now) errs.push(forbidden(field, `existing ephemeral containers "${name}" may not be removed\n`));
    else if (!isDeepStrictEqual(was, now)) errs.push(forbidden(field, `existing ephemeral containers "${name}" may not be changed\n${diff(was, now)}`));
  }
  return errs;
}

/** Upstream's ValidatePodCreate: a new pod carries no ephemeral containers. */
export function validateNoEphemeralContainersOnCreate(spec: Json): FieldError[] {
  return asList(spec.ephemeralContainers).length > 0 ? [forbidden("spec.ephemeralContainers", "cannot be set on create")] : [];
}
