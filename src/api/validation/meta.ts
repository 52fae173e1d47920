import type { ObjectMeta } from "../types.js";
import { forbidden, invalid, required, type FieldError } from "../field-errors.js";
import { dns1123Label, dns1123Subdomain, qualifiedName, validateAnnotations, validateLabels } from "./names.js";

export type NameRule = (name: string) => string[];

export interface MetaRules {
  namespaced: boolean;
  /** How the name is checked: DNS-1123 subdomain for most kinds. */
  name?: NameRule;
}

/** ObjectMeta checks shared by every kind (upstream's ValidateObjectMeta). */
export function validateObjectMeta(meta: ObjectMeta, rules: MetaRules): FieldError[] {
  const errs: FieldError[] = [];
  const nameRule = rules.name ?? dns1123Subdomain;
  if (!meta.name) {
    if (!meta.generateName) errs.push(required("metadata.name", "name or generateName is required"));
  } else {
    for (const m of nameRule(meta.name)) errs.push(invalid("metadata.name", meta.name, m));
  }
  if (meta.generateName) {
    for (const m of nameRule(meta.generateName.replace(/-$/, "a"))) errs.push(invalid("metadata.generateName", meta.generateName, m));
  }
  if (rules.namespaced) {
    if (!meta.namespace) errs.push(required("metadata.namespace"));
    else for (const m of dns1123Label(meta.namespace)) errs.push(invalid("metadata.namespace", meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(forbidden("metadata.namespace", "not allowed on this type"));
  }
  errs.push(...validateLabels(meta.labels, "metadata.labels"));
  errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  for (const [i, ref] of (meta.ownerReferences ?? []).entries()) {
    if (!ref.apiVersion) errs.push(invalid(`metadata.ownerReferences[${i}].apiVersion`, ref.apiVersion ?? "", "version must not be empty"));
    if (!ref.kind) errs.push(invalid(`metadata.ownerReferences[${i}].kind`, ref.kind ?? "", "kind must not be empty"));
    if (!ref.name) errs.push(invalid(`metadata.ownerReferences[${i}].name`, ref.name ?? "", "name must not be empty"));
    if (!ref.uid) errs.push(invalid(`metadata.ownerReferences[${i}].uid`, ref.uid ?? "", "uid must not be empty"));
  }
  if ((meta.ownerReferences ?? []).filter((r) => r.controller).length > 1) {
    errs.push(invalid("metadata.ownerReferences", "", "Only one reference can have Controller set to true"));
  }
  errs.push(...validateFinalizers(meta.finalizers ?? [], "metadata.finalizers"));
  return errs;
}

/** The finalizers Kubernetes itself knows; any other needs a domain prefix (`example.com/hold`). */
const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion"];

/** One finalizer name (upstream's validateFinalizerName): a qualified name, and either standard or prefixed. */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  const errs = qualifiedName(name).map((m) => invalid(path, name, m));
  if (!name.includes("/") && !STANDARD_FINALIZERS.includes(name)) {
    errs.push(invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"));
  }
  return errs;
}

/** metadata.finalizers (upstream's ValidateFinalizers): every name valid, orphan and foregroundDeletion not both. */
export function validateFinalizers(finalizers: string[], path: string): FieldError[] {
  const errs = finalizers.flatMap((f) => validateFinalizerName(f, path));
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    const rendered = `[]string{${finalizers.map((f) => JSON.stringify(f)).join(", ")}}`;
    errs.push({ ...invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"), rendered });
  }
  return errs;
}

/** The update rules of ValidateObjectMetaUpdate: names, namespace, uid and creation time never change. */
export function validateObjectMetaUpdate(next: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (field: "name" | "namespace" | "uid" | "creationTimestamp") => {
    if (next[field] !== undefined && next[field] !== old[field]) errs.push(invalid(`metadata.${field}`, next[field], "field is immutable"));
  };
  immutable("name");
  immutable("namespace");
  immutable("uid");
  return errs;
}
