import { invalid, type FieldError } from "../field-errors.js";
import { Quantity } from "../quantity.js";

type Json = Record<string, unknown>;

/** Parses what the decoder has already checked; anything else (a hand-built object) counts as absent. */
function quantityOf(value: unknown): Quantity | undefined {
  try {
    return typeof value === "string" || typeof value === "number" ? Quantity.parse(value) : undefined;
  } catch {
    return undefined;
  }
}

const isHugePages = (name: string) => name.startsWith("hugepages-");
const isStandardContainerResource = (name: string) => ["cpu", "memory", "ephemeral-storage"].includes(name) || isHugePages(name);

/**
 * A quantity that must not be negative (upstream's ValidateResourceQuantityValue): `requests[cpu]: Invalid
 * value: "-1": must be greater than or equal to 0`; huge pages and extended resources must be whole.
 */
export function validateQuantityValue(resource: string, value: unknown, path: string): FieldError[] {
  const q = quantityOf(value);
  if (!q) return [];
  if (q.nanos < 0n) return [invalid(path, q.toString(), "must be greater than or equal to 0")];
  const integer = isHugePages(resource) || (resource.includes("/") && !resource.startsWith("kubernetes.io/"));
  if (integer && q.nanos % 1_000_000_000n !== 0n) return [invalid(path, q.toString(), "must be an integer")];
  return [];
}

/** Every quantity of a resource list (`limits`, `requests`, `capacity`) checked by validateQuantityValue. */
export function validateResourceList(list: unknown, path: string): FieldError[] {
  if (typeof list !== "object" || list === null) return [];
  return Object.entries(list as Json).flatMap(([name, value]) => validateQuantityValue(name, value, `${path}[${name}]`));
}

/** A container's resources (upstream's ValidateResourceRequirements): names, non-negative values, requests within limits. */
export function validateResourceRequirements(resources: unknown, path: string): FieldError[] {
  if (typeof resources !== "object" || resources === null) return [];
  const { limits, requests } = resources as { limits?: Json; requests?: Json };
  const errs: FieldError[] = [];
  for (const [field, list] of [["limits", limits], ["requests", requests]] as const) {
    for (const name of Object.keys(list ?? {})) {
      if (!isStandardContainerResource(name) && !name.includes("/")) errs.push(invalid(`${path}.${field}[${name}]`, name, "must be a standard resource for containers"));
    }
    errs.push(...validateResourceList(list, `${path}.${field}`));
  }
  for (const [name, value] of Object.entries(requests ?? {})) {
    const request = quantityOf(value);
    const limit = quantityOf(limits?.[name]);
    if (request && limit && request.cmp(limit) > 0) {
      errs.push(invalid(`${path}.requests[${name}]`, request.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
    }
  }
  return errs;
}

/** A claim's storage request must be above zero (upstream's ValidatePositiveQuantityValue). */
export function validatePositiveQuantity(value: unknown, path: string): FieldError[] {
  const q = quantityOf(value);
  return q && q.nanos <= 0n ? [invalid(path, q.toString(), "must be greater than zero")] : [];
}
