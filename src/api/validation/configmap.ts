import { badRequest } from "../errors.js";
import { forbidden, invalid, type FieldError } from "../field-errors.js";
import { badBase64At, configMapKey } from "./secret.js";

type ConfigMapObject = Record<string, unknown> & { data?: unknown; binaryData?: unknown; immutable?: unknown };

/** Upstream's MaxSecretSize, which bounds a ConfigMap's data and binaryData together. */
const MAX_CONFIGMAP_BYTES = 1024 * 1024;

const bag = (o: unknown) => (o && typeof o === "object" ? (o as Record<string, unknown>) : {});

/** v1 → internal decoding: a binaryData value that is not base64 is refused as Go's []byte decoding refuses it (400). */
export function prepareConfigMap(cm: ConfigMapObject): void {
  for (const value of Object.values(bag(cm.binaryData))) {
    const bad = typeof value === "string" ? badBase64At(value) : 0;
    if (bad !== undefined) throw badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte ${bad}`);
  }
}

/**
 * Upstream's ValidateConfigMap: every key of data and binaryData a config key, no key in both, and the
 * two together (binaryData decoded) at most 1 MiB.
 */
export function validateConfigMap(cm: ConfigMapObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = bag(cm.data);
  const binary = bag(cm.binaryData);
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of configMapKey(key)) errs.push(invalid(`data[${key}]`, key, m));
    if (key in binary) errs.push(invalid(`data[${key}]`, key, "duplicate of key present in binaryData"));
    size += typeof value === "string" ? Buffer.byteLength(value, "utf8") : 0;
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of configMapKey(key)) errs.push(invalid(`binaryData[${key}]`, key, m));
    if (key in data) errs.push(invalid(`binaryData[${key}]`, key, "duplicate of key present in data"));
    size += typeof value === "string" ? Buffer.byteLength(value, "base64") : 0;
  }
  // Upstream names no field: the error is about the whole object.
  if (size > MAX_CONFIGMAP_BYTES) errs.push({ type: "TooLong", field: "", detail: `must have at most ${MAX_CONFIGMAP_BYTES} bytes` });
  return errs;
}

/** Upstream's ValidateConfigMapUpdate: an immutable ConfigMap keeps its data and binaryData and stays immutable. */
export function validateConfigMapUpdate(next: ConfigMapObject, old: ConfigMapObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    const IMMUTABLE = "field is immutable when `immutable` is set";
    if (next.immutable !== true) errs.push(forbidden("immutable", IMMUTABLE));
    if (!sameBag(next.data, old.data)) errs.push(forbidden("data", IMMUTABLE));
    if (!sameBag(next.binaryData, old.binaryData)) errs.push(forbidden("binaryData", IMMUTABLE));
  }
  return [...errs, ...validateConfigMap(next)];
}

/** reflect.DeepEqual on two map[string]string (nil and empty differ there, but not on the wire). */
function sameBag(a: unknown, b: unknown): boolean {
  const x = bag(a);
  const y = bag(b);
  return Object.keys(x).length === Object.keys(y).length && Object.entries(x).every(([k, v]) => k in y && y[k] === v);
}
