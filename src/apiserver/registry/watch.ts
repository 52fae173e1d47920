import { badRequest, StatusError, type Status } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { CompactedError, type StoreEvent } from "../../store/store.js";
import { matchesQuery, type ListQuery } from "./list-options.js";
import type { RestStore } from "./rest.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

/**
 * Streams changes as upstream's watch: from "" or "0" it first sends the current objects as ADDED; from a
 * revision it replays what followed it, or sends a 410 ERROR event when that history was compacted. An
 * object leaving the selector arrives as DELETED, one entering it as ADDED. Objects of live events are
 * shared between all watchers of the change: callers must not mutate them.
 */
export async function watchResource(
  rest: RestStore,
  namespace: string | undefined,
  q: ListQuery,
  send: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const rv = q.resourceVersion ?? "";
  let from: number;
  if (rv === "" || rv === "0") {
    const initial = await rest.list(namespace, { ...q, limit: 0, continueToken: undefined, resourceVersion: undefined });
    for (const obj of initial.items) send({ type: "ADDED", object: obj });
    from = Number(initial.metadata.resourceVersion);
  } else {
    from = Number(rv);
    if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rv}`);
  }
  const onEvent = (e: StoreEvent) => {
    const event = translate(rest, e, q);
    if (event) send(event);
  };
  try {
    await rest.store.watch(rest.prefix(namespace), from, onEvent, signal);
  } catch (err) {
    if (!(err instanceof CompactedError)) throw err;
    send({ type: "ERROR", object: new StatusError(410, "Expired", `too old resource version: ${rv} (${err.compacted})`).toStatus() });
  }
}

function translate(rest: RestStore, e: StoreEvent, q: ListQuery): WatchEvent | undefined {
  const obj = rest.decodeShared(e.kv);
  const prev = e.prev ? rest.decodeShared(e.prev) : undefined;
  const now = e.type !== "DELETED" && matchesQuery(obj, q);
  const before = prev !== undefined && matchesQuery(prev, q);
  if (e.type === "ADDED") return now ? { type: "ADDED", object: obj } : undefined;
  if (e.type === "DELETED") return before ? { type: "DELETED", object: obj } : undefined;
  if (now && before) return { type: "MODIFIED", object: obj };
  if (now) return { type: "ADDED", object: obj };
  if (before) return { type: "DELETED", object: obj };
  return undefined;
}
