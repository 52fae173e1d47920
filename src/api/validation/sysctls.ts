import { duplicate, invalid, required, type FieldError } from "../field-errors.js";

/** One segment of a sysctl name; segments are joined by dots or slashes (upstream's SysctlContainSlashFmt). */
const SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
const SYSCTL_FMT = `(${SEGMENT}[\\./])*${SEGMENT}`;
const SYSCTL_NAME = new RegExp(`^${SYSCTL_FMT}$`);
const SYSCTL_MAX_LENGTH = 253;

/** Upstream's IsValidSysctlName: at most 253 characters of dot- or slash-separated segments (`net.ipv4.ip_forward`, `net/ipv4/ip_forward`). */
export function isValidSysctlName(name: string): boolean {
  return name.length <= SYSCTL_MAX_LENGTH && SYSCTL_NAME.test(name);
}

/**
 * Upstream's validateSysctls for a pod's `securityContext.sysctls` (at `path`): every name given, well
 * formed and given once. Only the names are checked here; whether a node allows them is the kubelet's call.
 */
export function validateSysctls(sysctls: unknown, path: string): FieldError[] {
  if (!Array.isArray(sysctls)) return [];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  sysctls.forEach((s: unknown, i) => {
    const name = typeof s === "object" && s !== null ? (s as { name?: unknown }).name : undefined;
    const at = `${path}[${i}].name`;
    if (typeof name !== "string" || name === "") errs.push(required(at));
    else if (!isValidSysctlName(name)) errs.push(invalid(at, name, `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_FMT}`));
    else if (seen.has(name)) errs.push(duplicate(at, name));
    if (typeof name === "string") seen.add(name);
  });
  return errs;
}
