import { badRequest, gone, type StatusError } from "../../api/errors.js";
import { parseFieldSelector, matchesFields, type FieldRequirement } from "../../api/fields.js";
import { parseSelector, Selector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";

/** The parsed query of a list or watch: selectors, paging, resourceVersion. */
export interface ListQuery {
  labels: Selector;
  fields: FieldRequirement[];
  limit: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export function parseListQuery(params: URLSearchParams, allowedFields: readonly string[]): ListQuery {
  const fields = parseFieldSelector(params.get("fieldSelector") ?? "");
  for (const f of fields) {
    if (!allowedFields.includes(f.field)) throw badRequest(`"${f.field}" is not a known field selector: only "${allowedFields.join('", "')}"`);
  }
  const limit = Number(params.get("limit") ?? 0);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: "${params.get("limit")}"`);
  return {
    labels: params.has("labelSelector") ? parseSelector(params.get("labelSelector")!) : Selector.everything(),
    fields,
    limit,
    continueToken: params.get("continue") || undefined,
    resourceVersion: params.get("resourceVersion") ?? undefined,
    resourceVersionMatch: params.get("resourceVersionMatch") ?? undefined,
  };
}

export function matchesQuery(obj: KubeObject, q: Pick<ListQuery, "labels" | "fields">): boolean {
  return q.labels.matches(obj.metadata.labels) && matchesFields(obj, q.fields);
}

interface ContinuePosition {
  rv: number;
  start: string;
  /** How many items of an unfiltered list were left after the page that gave out the token. */
  remaining?: number;
}

/**
 * Continue tokens carry the list's revision and the last key, as upstream's (base64 JSON), and — ours
 * only — the remainingItemCount of that page, so the next page needn't count again (the list at one
 * revision never changes: what is left after it is that count minus what it returns).
 */
export function encodeContinue(rv: number, lastKey: string, remaining?: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: lastKey, ...(remaining === undefined ? {} : { rem: remaining }) })).toString("base64url");
}

export function decodeContinue(token: string): ContinuePosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: string; rv?: number; start?: string; rem?: unknown };
    const rvValid = parsed.rv === INCONSISTENT_REVISION || (Number.isSafeInteger(parsed.rv) && (parsed.rv as number) > 0);
    if (parsed.v !== "meta.k8s.io/v1" || !rvValid || typeof parsed.start !== "string") throw new Error("bad");
    const remaining = Number.isSafeInteger(parsed.rem) && (parsed.rem as number) >= 0 ? parsed.rem as number : undefined;
    return { rv: parsed.rv as number, start: parsed.start as string, remaining };
  } catch {
    throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
}

/** A continue token's revision that means "the newest": the list goes on, but no longer at one revision. */
export const INCONSISTENT_REVISION = -1;

/**
 * 410 for a continue token whose revision was compacted away, carrying (as upstream) a token that goes on
 * from the same key at the newest revision, for a client that accepts an inconsistent list.
 */
export function continueExpired(start: string): StatusError {
  const err = gone(
    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
  );
  err.listMeta = { continue: encodeContinue(INCONSISTENT_REVISION, start) };
  return err;
}
