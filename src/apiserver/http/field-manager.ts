import type { IncomingHttpHeaders } from "node:http";
import { StatusError } from "../../api/errors.js";
import { queryBool } from "../../api/query.js";

export const APPLY_PATCH = "application/apply-patch+yaml";

/**
 * The manager a write is recorded under: `?fieldManager=`, else what upstream takes from the user agent —
 * the part before the first `/` (`kubectl/v1.32.0 (linux/amd64) kubernetes/…` → `kubectl`).
 */
export function fieldManagerOf(params: URLSearchParams, headers: IncomingHttpHeaders): string {
  const given = params.get("fieldManager");
  if (given !== null && given !== "") return given;
  const agent = headers["user-agent"] ?? "";
  return agent.split("/")[0] ?? "";
}

/**
 * Upstream's Validate{Create,Update,Patch}Options: fieldManager is printable and at most 128 bytes; an apply
 * must name its manager; only an apply may force. Returns `force`.
 */
export function validateWriteOptions(kind: "CreateOptions" | "UpdateOptions" | "PatchOptions", params: URLSearchParams, apply: boolean): boolean {
  const errors: Array<{ reason: string; field: string; message: string }> = [];
  const manager = params.get("fieldManager") ?? "";
  if (apply && manager === "") errors.push({ reason: "FieldValueRequired", field: "fieldManager", message: "Required value: is required for apply patch" });
  if (Buffer.byteLength(manager) > 128) errors.push({ reason: "FieldValueTooLong", field: "fieldManager", message: "Too long: may not be more than 128 bytes" });
  else if ([...manager].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    errors.push({ reason: "FieldValueInvalid", field: "fieldManager", message: `Invalid value: ${JSON.stringify(manager)}: must be made of printable characters` });
  }
  const forced = params.has("force");
  if (forced && !apply) errors.push({ reason: "FieldValueForbidden", field: "force", message: "Forbidden: may not be specified for non-apply patch" });
  if (errors.length > 0) {
    const message = `${kind}.meta.k8s.io "" is invalid: ${errors.length === 1 ? `${errors[0]!.field}: ${errors[0]!.message}` : `[${errors.map((e) => `${e.field}: ${e.message}`).join(", ")}]`}`;
    throw new StatusError(422, "Invalid", message, { group: "meta.k8s.io", kind, causes: errors });
  }
  return forced ? queryBool(params, "force") : false;
}
