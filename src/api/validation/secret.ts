import { badRequest } from "../errors.js";
import { forbidden, invalid, required, type FieldError } from "../field-errors.js";

type Json = Record<string, unknown>;
type SecretObject = Json & { metadata: { annotations?: Record<string, string> } };

/** Upstream's MaxSecretSize: the data of one Secret, all keys and values. */
const MAX_SECRET_BYTES = 1024 * 1024;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const REDACTED = "<secret contents redacted>";

/** A data key (upstream's IsConfigMapKey): `[-._a-zA-Z0-9]+`, at most 253 characters, never `.`, `..` or `..x`. */
export function configMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push("must be no more than 253 characters");
  if (!CONFIG_KEY.test(key)) errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (key === ".") errs.push("must not be '.'");
  else if (key === "..") errs.push("must not be '..'");
  else if (key.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

/**
 * What v1 → internal conversion and defaulting do to a Secret on every write: `stringData` is merged into
 * `data` (base64, stringData winning) and dropped, `type` defaults to Opaque. A data value that is not
 * base64 is refused as Go's []byte decoding refuses it (400).
 */
export function prepareSecret(secret: SecretObject): void {
  const data = (secret.data ?? {}) as Record<string, unknown>;
  for (const value of Object.values(data)) {
    const bad = typeof value === "string" ? badBase64At(value) : 0;
    if (bad !== undefined) throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${bad}`);
  }
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (stringData && typeof stringData === "object") {
    for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), "utf8").toString("base64");
    secret.data = data;
  }
  delete secret.stringData;
  if (secret.type === undefined || secret.type === "") secret.type = "Opaque";
}

/** Where standard base64 (Go's StdEncoding, line breaks ignored) fails, or undefined when it decodes. */
export function badBase64At(text: string): number | undefined {
  const s = text.replace(/[\r\n]/g, "");
  const body = /^[A-Za-z0-9+/]*/.exec(s)![0].length;
  const padding = /^={0,2}/.exec(s.slice(body))![0].length;
  if (body + padding < s.length) return body + padding;
  if (s.length % 4 !== 0) return s.length - (s.length % 4);
  return undefined;
}

const bytesOf = (b64: unknown) => (typeof b64 === "string" ? Buffer.byteLength(b64, "base64") : 0);
const decoded = (b64: unknown) => (typeof b64 === "string" ? Buffer.from(b64, "base64").toString("utf8") : "");

/** Upstream's ValidateSecret: data keys, total size, and the keys each well-known type needs. */
export function validateSecret(secret: SecretObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = (secret.data ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of configMapKey(key)) errs.push(invalid(`data[${key}]`, key, m));
    size += bytesOf(value);
  }
  if (size > MAX_SECRET_BYTES) errs.push({ type: "TooLong", field: "data", detail: `must have at most ${MAX_SECRET_BYTES} bytes` });
  const need = (key: string) => {
    if (data[key] === undefined) errs.push(required(`data[${key}]`));
  };
  const json = (key: string) => {
    if (data[key] === undefined) return need(key);
    try {
      JSON.parse(decoded(data[key]));
    } catch (err) {
      errs.push(invalid(`data[${key}]`, REDACTED, err instanceof Error ? err.message : String(err)));
    }
  };
  switch (secret.type) {
    case "kubernetes.io/service-account-token":
      if (!secret.metadata.annotations?.["kubernetes.io/service-account.name"]) errs.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
      break;
    case "kubernetes.io/dockercfg":
      json(".dockercfg");
      break;
    case "kubernetes.io/dockerconfigjson":
      json(".dockerconfigjson");
      break;
    case "kubernetes.io/basic-auth":
      if (data.username === undefined && data.password === undefined) errs.push(required("data[username]"), required("data[password]"));
      break;
    case "kubernetes.io/ssh-auth":
      need("ssh-privatekey");
      break;
    case "kubernetes.io/tls":
      need("tls.crt");
      need("tls.key");
      break;
  }
  return errs;
}

/** Upstream's ValidateSecretUpdate: the type never changes; an immutable Secret keeps its data and stays immutable. */
export function validateSecretUpdate(next: SecretObject, old: SecretObject): FieldError[] {
  const errs: FieldError[] = [];
  if (next.type !== old.type) errs.push(invalid("type", next.type, "field is immutable"));
  if (old.immutable === true) {
    if (next.immutable !== true) errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    if (JSON.stringify(sorted(next.data)) !== JSON.stringify(sorted(old.data))) errs.push(forbidden("data", "field is immutable when `immutable` is set"));
  }
  return errs;
}

function sorted(data: unknown): unknown {
  return Object.entries((data ?? {}) as Json).sort(([a], [b]) => (a < b ? -1 : 1));
}
