/** JSON with object keys sorted, so two equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The JSON merge patch taking a pod's reported status to the computed one: undefined when they are equal,
 * otherwise the new status with `null` for every top-level field it drops.
 */
export function statusPatch(old: object, next: object): Record<string, unknown> | undefined {
  if (canonical(old) === canonical(next)) return undefined;
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(old)) if (!(k in next)) patch[k] = null;
  return patch;
}
