/**
 * The one error type of the API: a metav1.Status failure. The server turns it into the response body;
 * the client decodes responses back into it, so `isConflict(err)` means the same everywhere.
 */
export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "Timeout"
  | "TooManyRequests"
  | "InternalError"
  | "Expired"
  | "ServiceUnavailable"
  /** Upstream's StatusReasonUnknown: no reason in the Status (what kube-apiserver answers for a raw error). */
  | "";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: { continue?: string; resourceVersion?: string };
  status: "Failure" | "Success";
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;
  /** The Status's list metadata: a 410 for an expired continue token carries a token to go on with. */
  listMeta: { continue?: string } | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = "StatusError";
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: { ...this.listMeta },
      status: "Failure",
      message: this.message,
      code: this.code,
    };
    if (this.reason) status.reason = this.reason;
    if (this.details) status.details = this.details;
    return status;
  }

  static fromStatus(status: Partial<Status>, httpCode: number): StatusError {
    return new StatusError(
      status.code ?? httpCode,
      status.reason ?? reasonForCode(httpCode),
      status.message ?? `the server responded with status ${httpCode}`,
      status.details,
    );
  }
}

function reasonForCode(code: number): StatusReason {
  const reasons: Record<number, StatusReason> = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
    406: "NotAcceptable", 409: "Conflict", 410: "Gone", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
    422: "Invalid", 429: "TooManyRequests", 503: "ServiceUnavailable", 504: "Timeout",
  };
  return reasons[code] ?? "InternalError";
}

/** Identifies a resource in messages the way upstream does: "deployments.apps" or "pods". */
export interface Qualified {
  group: string;
  resource: string;
}

function qualified(r: Qualified): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function notFound(r: Qualified, name: string): StatusError {
  return new StatusError(404, "NotFound", `${qualified(r)} "${name}" not found`, {
    name, group: r.group || undefined, kind: r.resource,
  });
}

export function alreadyExists(r: Qualified, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, {
    name, group: r.group || undefined, kind: r.resource,
  });
}

export const OBJECT_MODIFIED = "the object has been modified; please apply your changes to the latest version and try again";

export function conflict(r: Qualified, name: string, why: string = OBJECT_MODIFIED): StatusError {
  return new StatusError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name, group: r.group || undefined, kind: r.resource,
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}

export function gone(message: string): StatusError {
  return new StatusError(410, "Expired", message);
}

export function methodNotAllowed(message: string): StatusError {
  return new StatusError(405, "MethodNotAllowed", message);
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

const hasReason = (reason: StatusReason) => (err: unknown): boolean => isStatusError(err) && err.reason === reason;
export const isNotFound = hasReason("NotFound");
export const isAlreadyExists = hasReason("AlreadyExists");
export const isConflict = hasReason("Conflict");
export const isInvalid = hasReason("Invalid");
export const isGone = (err: unknown): boolean => isStatusError(err) && err.code === 410;
