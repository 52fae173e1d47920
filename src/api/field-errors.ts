import { StatusError, type StatusCause } from "./errors.js";

/** One validation failure, as upstream's field.Error: a type, a path, the bad value and a detail. */
export type FieldErrorType = "Required" | "Invalid" | "Forbidden" | "Duplicate" | "NotSupported" | "TooLong" | "TooMany" | "NotFound";

export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
  /** For NotSupported: the allowed values. */
  supported?: string[];
  /** The value as upstream prints it when it is a Go struct or map (`map[string]string{"app":"x"}`). */
  rendered?: string;
}

const causeReason: Record<FieldErrorType, string> = {
  Required: "FieldValueRequired",
  Invalid: "FieldValueInvalid",
  Forbidden: "FieldValueForbidden",
  Duplicate: "FieldValueDuplicate",
  NotSupported: "FieldValueNotSupported",
  TooLong: "FieldValueTooLong",
  TooMany: "FieldValueTooMany",
  NotFound: "FieldValueNotFound",
};

export const required = (field: string, detail = ""): FieldError => ({ type: "Required", field, detail });
export const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: "Invalid", field, value, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: "Forbidden", field, detail });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: "Duplicate", field, value });
export const notFound = (field: string, value: unknown): FieldError => ({ type: "NotFound", field, value });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError =>
  ({ type: "NotSupported", field, value, supported });

/** Go's %#v for a map[string]string, as upstream prints label maps in messages. */
export function goStringMap(m: Record<string, string> | undefined): string {
  const entries = Object.keys(m ?? {}).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(m![k])}`);
  return `map[string]string{${entries.join(", ")}}`;
}

/** Renders a value as Go's %#v-ish quoting in upstream messages: strings quoted, numbers bare. */
function renderValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return `{${Object.entries(value as object).map(([k, v]) => `"${k}":${renderValue(v)}`).join(", ")}}`;
  return String(value);
}

/** The error's text the way upstream's field.Error.Error() prints it. */
export function fieldErrorMessage(e: FieldError): string {
  if (e.rendered !== undefined && e.type === "Invalid") return `${e.field}: Invalid value: ${e.rendered}${e.detail ? `: ${e.detail}` : ""}`;
  switch (e.type) {
    case "Required":
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ""}`;
    case "Forbidden":
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ""}`;
    case "Duplicate":
      return `${e.field}: Duplicate value: ${renderValue(e.value)}`;
    case "NotSupported":
      return `${e.field}: Unsupported value: ${renderValue(e.value)}: supported values: ${(e.supported ?? []).map((s) => `"${s}"`).join(", ")}`;
    case "TooLong":
      return `${e.field}: Too long: ${e.detail ?? ""}`;
    case "TooMany":
      return `${e.field}: Too many: ${e.detail ?? ""}`;
    case "NotFound":
      return `${e.field}: Not found: ${renderValue(e.value)}`;
    default:
      return `${e.field}: Invalid value: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ""}`;
  }
}

/** A 422 Invalid Status whose message reads like upstream's: `The Deployment "x" is invalid: …`. */
export function invalidError(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
  const messages = errors.map(fieldErrorMessage);
  const summary = messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`;
  const causes: StatusCause[] = errors.map((e, i) => ({
    reason: causeReason[e.type],
    message: messages[i]!.slice(e.field.length + 2),
    field: e.field,
  }));
  return new StatusError(422, "Invalid", `${kind} "${name}" is invalid: ${summary}`.replace(/^/, "The "), {
    name, group: group || undefined, kind, causes,
  });
}
