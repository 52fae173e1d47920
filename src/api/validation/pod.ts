import { isDeepStrictEqual } from "node:util";
import { forbidden, invalid, notSupported, required, duplicate, type FieldError } from "../field-errors.js";
import { cloneJson } from "../types.js";
import { dns1123Label } from "./names.js";
import { validateQuantityValue, validateResourceRequirements } from "./resources.js";
import { validateSysctls } from "./sysctls.js";

type Json = Record<string, unknown>;
const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];

/** PodSpec checks (upstream's ValidatePodSpec, the parts Tugboat's kinds depend on). */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  if (typeof spec !== "object" || spec === null) return [required(path)];
  const s = spec as Json;
  const errs: FieldError[] = [];
  const containers = asList(s.containers);
  if (containers.length === 0) errs.push(required(`${path}.containers`));
  const names = new Set<string>();
  const check = (list: Json[], field: string) =>
    list.forEach((c, i) => errs.push(...validateContainer(c, `${path}.${field}[${i}]`, names)));
  check(asList(s.initContainers), "initContainers");
  check(containers, "containers");
  if (s.restartPolicy !== undefined && !RESTART_POLICIES.includes(s.restartPolicy as string)) {
    errs.push(notSupported(`${path}.restartPolicy`, s.restartPolicy, RESTART_POLICIES));
  }
  if (s.dnsPolicy !== undefined && !DNS_POLICIES.includes(s.dnsPolicy as string)) {
    errs.push(notSupported(`${path}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  }
  const grace = s.terminationGracePeriodSeconds;
  if (grace !== undefined && (typeof grace !== "number" || grace < 0)) {
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, "must be greater than or equal to 0"));
  }
  const deadline = s.activeDeadlineSeconds;
  if (deadline !== undefined && (typeof deadline !== "number" || deadline <= 0)) {
    errs.push(invalid(`${path}.activeDeadlineSeconds`, deadline, "must be between 1 and 2147483647, inclusive"));
  }
  errs.push(...validateSysctls((s.securityContext as Json | undefined)?.sysctls, `${path}.securityContext.sysctls`));
  const volumes = new Set<string>();
  asList(s.volumes).forEach((v, i) => {
    const name = String(v.name ?? "");
    if (!name) errs.push(required(`${path}.volumes[${i}].name`));
    else if (volumes.has(name)) errs.push(duplicate(`${path}.volumes[${i}].name`, name));
    volumes.add(name);
    const sizeLimit = (v.emptyDir as Json | undefined)?.sizeLimit;
    if (sizeLimit !== undefined && validateQuantityValue("", sizeLimit, "").length > 0) {
      errs.push(forbidden(`${path}.volumes[${i}].emptyDir.sizeLimit`, "SizeLimit field must be a valid resource quantity"));
    }
  });
  return errs;
}

export function validateContainer(c: Json, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const name = c.name;
  if (typeof name !== "string" || name === "") errs.push(required(`${path}.name`));
  else {
    for (const m of dns1123Label(name)) errs.push(invalid(`${path}.name`, name, m));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    names.add(name);
  }
  if (typeof c.image !== "string" || c.image.trim() === "") errs.push(required(`${path}.image`));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy as string)) {
    errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  asList(c.ports).forEach((p, i) => {
    const port = p.containerPort;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      errs.push(invalid(`${path}.ports[${i}].containerPort`, port ?? 0, "must be between 1 and 65535, inclusive"));
    }
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol as string)) {
      errs.push(notSupported(`${path}.ports[${i}].protocol`, p.protocol, PROTOCOLS));
    }
  });
  asList(c.env).forEach((e, i) => {
    if (typeof e.name !== "string" || e.name === "") errs.push(required(`${path}.env[${i}].name`));
  });
  asList(c.volumeMounts).forEach((m, i) => {
    // As upstream, the subPath errors name the list (`volumeMounts.subPath`), the exclusivity one the item.
    const { subPath, subPathExpr } = m;
    if (typeof subPath === "string" && subPath) errs.push(...localDescendingPath(subPath, `${path}.volumeMounts.subPath`));
    if (typeof subPathExpr === "string" && subPathExpr) {
      if (typeof subPath === "string" && subPath) {
        errs.push(invalid(`${path}.volumeMounts[${i}].subPathExpr`, subPathExpr, "subPathExpr and subPath are mutually exclusive"));
      }
      errs.push(...localDescendingPath(subPathExpr, `${path}.volumeMounts.subPathExpr`));
    }
  });
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  return errs;
}

/** Upstream's validateLocalDescendingPath: a relative path without a `..` element. */
function localDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith("/")) errs.push(invalid(path, target, "must be a relative path"));
  if (target.split("/").includes("..")) errs.push(invalid(path, target, "must not contain '..'"));
  return errs;
}

/** The pod fields upstream lets an update change: images, activeDeadlineSeconds, tolerations (added). */
export function validatePodSpecUpdate(next: Json, old: Json, path: string): FieldError[] {
  const strip = (spec: Json) => {
    const copy = cloneJson(spec);
    for (const list of ["containers", "initContainers"]) for (const c of asList(copy[list])) delete c.image;
    delete copy.activeDeadlineSeconds;
    delete copy.tolerations;
    delete copy.terminationGracePeriodSeconds;
    return copy;
  };
  // Compared whole, at every depth and whatever the order of keys.
  if (!isDeepStrictEqual(strip(next), strip(old))) {
    return [{ type: "Forbidden", field: path, detail: "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)" }];
  }
  return [];
}
