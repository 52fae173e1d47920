import { validateClaimSpec, validateClaimUpdate, validateStorageClass, validateVolumeSpec } from "../../api/validation/storage.js";
import { forbidden } from "../../api/field-errors.js";
import { canonicalJson } from "../../api/canonical.js";
import type { KubeObject } from "../../api/types.js";
import type { Strategy } from "../resource.js";

type Json = Record<string, unknown>;
const spec = (o: KubeObject): Json => (o.spec ?? {}) as Json;

export const persistentVolumeClaimStrategy: Strategy = {
  status: true,
  generation: false,
  defaults(pvc) {
    const s = (pvc.spec ??= {}) as Json;
    s.volumeMode ??= "Filesystem";
  },
  prepareForCreate(pvc) {
    pvc.status = { phase: "Pending" };
  },
  validate: (pvc) => validateClaimSpec(spec(pvc)),
  validateUpdate: (pvc, old) => validateClaimUpdate(spec(pvc), spec(old)),
};

export const persistentVolumeStrategy: Strategy = {
  status: true,
  generation: false,
  defaults(pv) {
    const s = (pv.spec ??= {}) as Json;
    s.persistentVolumeReclaimPolicy ??= "Retain";
    s.volumeMode ??= "Filesystem";
  },
  prepareForCreate(pv) {
    pv.status = { phase: "Pending" };
  },
  validate: (pv) => validateVolumeSpec(spec(pv)),
};

/** Upstream's StorageClass strategy: defaults, and provisioner, parameters and binding mode fixed once created. */
export const storageClassStrategy: Strategy = {
  status: false,
  generation: false,
  defaults(sc) {
    const o = sc as Json;
    o.reclaimPolicy ??= "Delete";
    o.volumeBindingMode ??= "Immediate";
  },
  validate: (sc) => validateStorageClass(sc as Json),
  validateUpdate(sc, old) {
    const fixed = (o: KubeObject) => canonicalJson({ p: (o as Json).provisioner, a: (o as Json).parameters ?? null, r: (o as Json).reclaimPolicy, v: (o as Json).volumeBindingMode });
    return fixed(sc) === fixed(old) ? [] : [forbidden("parameters", "updates to parameters are forbidden.")];
  },
};
