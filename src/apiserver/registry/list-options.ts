import { badRequest, gone, StatusError } from "../../api/errors.js";
import { fieldErrorMessage, forbidden, notSupported, type FieldError } from "../../api/field-errors.js";
import { parseFieldSelector, matchesFields, type FieldRequirement } from "../../api/fields.js";
import { parseSelector, Selector } from "../../api/labels.js";
import { queryBool, queryOptionalBool } from "../../api/query.js";
import type { KubeObject } from "../../api/types.js";

/** The parsed query of a list or watch: selectors, paging, resourceVersion. */
export interface ListQuery {
  labels: Selector;
  fields: FieldRequirement[];
  limit: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  /** `watch` (any spelling upstream reads as true, or the `/watch/` path). */
  watch?: boolean;
  allowWatchBookmarks?: boolean;
  /** Watch-list: absent (legacy watch semantics), or whether to start with the current state as ADDED. */
  sendInitialEvents?: boolean;
}

/** Reads a list or watch query; `watchPath`: the legacy `/watch/` prefix, which makes it a watch. */
export function parseListQuery(params: URLSearchParams, allowedFields: readonly string[], watchPath = false): ListQuery {
  const fields = parseFieldSelector(params.get("fieldSelector") ?? "");
  for (const f of fields) {
    if (!allowedFields.includes(f.field)) throw badRequest(`"${f.field}" is not a known field selector: only "${allowedFields.join('", "')}"`);
  }
  const limit = Number(params.get("limit") ?? 0);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: "${params.get("limit")}"`);
  const query: ListQuery = {
    labels: params.has("labelSelector") ? parseSelector(params.get("labelSelector")!) : Selector.everything(),
    fields,
    limit,
    continueToken: params.get("continue") || undefined,
    resourceVersion: params.get("resourceVersion") ?? undefined,
    resourceVersionMatch: params.get("resourceVersionMatch") || undefined,
    watch: watchPath || queryBool(params, "watch"),
    allowWatchBookmarks: queryBool(params, "allowWatchBookmarks"),
    sendInitialEvents: queryOptionalBool(params, "sendInitialEvents"),
  };
  const errors = validateListQuery(query);
  if (errors.length > 0) {
    const messages = errors.map(fieldErrorMessage);
    throw new StatusError(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: ${messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`}`, {
      group: "meta.k8s.io", kind: "ListOptions", name: "",
      causes: errors.map((e, i) => ({ reason: e.type === "Forbidden" ? "FieldValueForbidden" : "FieldValueNotSupported", message: messages[i]!.slice(e.field.length + 2), field: e.field })),
    });
  }
  return query;
}

/**
 * The combinations upstream's ValidateListOptions allows (WatchList enabled): a watch may ask for its
 * initial state (`sendInitialEvents`) only with resourceVersionMatch=NotOlderThan, and that match only
 * with sendInitialEvents; a list takes Exact or NotOlderThan with a resourceVersion, never sendInitialEvents.
 */
function validateListQuery(q: ListQuery): FieldError[] {
  const errors: FieldError[] = [];
  const match = q.resourceVersionMatch;
  if (q.watch) {
    if (q.sendInitialEvents !== undefined && match !== "NotOlderThan") {
      errors.push(forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    }
    if (match) {
      if (q.sendInitialEvents === undefined) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
      if (match !== "NotOlderThan") errors.push(notSupported("resourceVersionMatch", match, ["NotOlderThan"]));
      if (q.continueToken) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
    }
    return errors;
  }
  if (match) {
    if (!q.resourceVersion) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
    if (q.continueToken) errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
    if (match !== "Exact" && match !== "NotOlderThan") errors.push(notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]));
    if (match === "Exact" && q.resourceVersion === "0") errors.push(forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (q.sendInitialEvents !== undefined) errors.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  return errors;
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
