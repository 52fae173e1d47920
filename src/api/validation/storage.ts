import { canonicalJson } from "../canonical.js";
import { forbidden, notSupported, required, type FieldError } from "../field-errors.js";
import { validatePositiveQuantity, validateResourceList } from "./resources.js";
import { obj } from "./workloads.js";

type Json = Record<string, unknown>;

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

function accessModes(modes: unknown, field: string): FieldError[] {
  if (!Array.isArray(modes) || modes.length === 0) return [required(field, "at least 1 access mode is required")];
  return modes.filter((m) => !ACCESS_MODES.includes(String(m))).map((m) => notSupported(field, m, ACCESS_MODES));
}

/** A PersistentVolumeClaim's spec (upstream's ValidatePersistentVolumeClaimSpec, the common part). */
export function validateClaimSpec(spec: Json, path = "spec"): FieldError[] {
  const errs = accessModes(spec.accessModes, `${path}.accessModes`);
  const requests = obj(obj(spec.resources).requests);
  if (requests.storage === undefined) errs.push(required(`${path}.resources[storage]`));
  else errs.push(...validatePositiveQuantity(requests.storage, `${path}.resources.requests[storage]`));
  errs.push(...validateResourceList(requests, `${path}.resources.requests`), ...validateResourceList(obj(spec.resources).limits, `${path}.resources.limits`));
  return errs;
}

/** A bound claim's spec is immutable but for its storage request; volumeName may be set once, by the binder. */
export function validateClaimUpdate(next: Json, old: Json): FieldError[] {
  const strip = (s: Json) => {
    const { resources: _r, volumeName, volumeAttributesClassName: _v, storageClassName, ...rest } = s;
    return { ...rest, volumeName: old.volumeName ? volumeName : undefined, storageClassName: old.storageClassName ? storageClassName : undefined };
  };
  if (canonicalJson(strip(next)) === canonicalJson(strip(old))) return [];
  return [forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")];
}

export function validateVolumeSpec(spec: Json): FieldError[] {
  const errs = accessModes(spec.accessModes, "spec.accessModes");
  if (obj(spec.capacity).storage === undefined) errs.push(required("spec.capacity"));
  errs.push(...validateResourceList(spec.capacity, "spec.capacity"));
  const sources = ["hostPath", "local", "nfs", "csi", "emptyDir"].filter((k) => spec[k] !== undefined);
  if (sources.length === 0) errs.push(required("spec", "must specify a volume type"));
  return errs;
}

export function validateStorageClass(sc: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof sc.provisioner !== "string" || sc.provisioner === "") errs.push(required("provisioner"));
  const mode = sc.volumeBindingMode;
  if (mode !== undefined && mode !== "Immediate" && mode !== "WaitForFirstConsumer") errs.push(notSupported("volumeBindingMode", mode, ["Immediate", "WaitForFirstConsumer"]));
  const policy = sc.reclaimPolicy;
  if (policy !== undefined && policy !== "Delete" && policy !== "Retain") errs.push(notSupported("reclaimPolicy", policy, ["Delete", "Retain"]));
  return errs;
}
