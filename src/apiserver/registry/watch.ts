import { badRequest, StatusError, type Status } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { apiVersionOf } from "../resource.js";
import { CompactedError, type KeyValue, type StoreEvent } from "../../store/store.js";
import { matchesQuery, type ListQuery } from "./list-options.js";
import type { RestStore } from "./rest.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

/** The annotation of the BOOKMARK that ends a watch-list's initial events (upstream's metav1.InitialEventsAnnotationKey). */
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/**
 * Streams changes as upstream's watch. Without `sendInitialEvents` (the legacy semantics): from "" or "0"
 * it first sends the current objects as ADDED; from a revision it replays what followed it, or sends a
 * 410 ERROR event when that history was compacted. With `sendInitialEvents=true` (watch-list) it sends the
 * current objects as ADDED whatever the revision (the state is never older than the one asked for), then,
 * when bookmarks are allowed, a BOOKMARK at the list's revision annotated `k8s.io/initial-events-end:
 * "true"` — what client-go's watch-list reflector waits for — as upstream's cacher does. With
 * `sendInitialEvents=false` it sends only changes: after the given revision, or after now for "" and "0".
 * An object leaving the selector arrives as DELETED, one entering it as ADDED. Objects of live events are
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
  const fromNow = rv === "" || rv === "0";
  if (!fromNow && !/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
  let from: number;
  if (q.sendInitialEvents === true || (q.sendInitialEvents === undefined && fromNow)) {
    const initial = await rest.list(namespace, { ...q, limit: 0, continueToken: undefined, resourceVersion: undefined, resourceVersionMatch: undefined });
    for (const obj of initial.items) send({ type: "ADDED", object: obj });
    from = Number(initial.metadata.resourceVersion);
    if (q.sendInitialEvents === true && q.allowWatchBookmarks) {
      const bookmark = { apiVersion: apiVersionOf(rest.info), kind: rest.info.kind, metadata: { resourceVersion: String(from), annotations: { [INITIAL_EVENTS_END]: "true" } } };
      send({ type: "BOOKMARK", object: bookmark });
    }
  } else if (fromNow) {
    from = await rest.store.revision();
  } else {
    from = Number(rv);
    if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rv}`);
  }
  const onEvent = (e: StoreEvent) => {
    const event = translate(rest, e, q);
    if (event) send(event);
  };
  const expired = (err: CompactedError) =>
    send({ type: "ERROR", object: new StatusError(410, "Expired", `too old resource version: ${rv} (${err.compacted})`).toStatus() });
  try {
    // A distributed store ends a watch whose missed history was compacted (etcd, after a disconnection): 410 too.
    await rest.store.watch(rest.prefix(namespace), from, onEvent, signal, expired);
  } catch (err) {
    if (!(err instanceof CompactedError)) throw err;
    expired(err);
  }
}

/**
 * Which event a watcher with this query sees for a change, if any. Without selectors nothing is decoded;
 * with them the object and its previous value are decoded once for all watchers (and shared).
 */
function translate(rest: RestStore, e: StoreEvent, q: ListQuery): WatchEvent | undefined {
  const change = (type: WatchEventType) => new StoredChange(type, rest, e.kv);
  const filtered = !q.labels.isEmpty() || q.fields.length > 0;
  const now = e.type !== "DELETED" && (!filtered || matchesQuery(rest.decodeShared(e.kv), q));
  const before = e.prev !== undefined && (!filtered || matchesQuery(rest.decodeShared(e.prev), q));
  if (e.type === "ADDED") return now ? change("ADDED") : undefined;
  if (e.type === "DELETED") return before ? change("DELETED") : undefined;
  if (now && before) return change("MODIFIED");
  if (now) return change("ADDED");
  if (before) return change("DELETED");
  return undefined;
}

/** A live change: its object is decoded only if a reader asks, its stream line is built from the stored JSON. */
class StoredChange implements WatchEvent {
  constructor(readonly type: WatchEventType, private readonly rest: RestStore, private readonly kv: KeyValue) {}

  get object(): KubeObject {
    return this.rest.decodeShared(this.kv);
  }

  line(): string {
    return cachedLine(this.kv, this.type, () => `{"type":"${this.type}","object":${this.rest.rawJson(this.kv)}}\n`);
  }
}

/** Lines by the value they carry and event type: one serialization per change, however many watchers send it. */
const lines = new WeakMap<object, Map<string, string>>();
function cachedLine(of: object, type: string, build: () => string): string {
  let byType = lines.get(of);
  if (!byType) lines.set(of, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = build()));
  return line;
}

/** The event as one line of a watch stream (JSON and a newline). */
export function watchLine(event: WatchEvent): string {
  if (event instanceof StoredChange) return event.line();
  return cachedLine(event.object, event.type, () => JSON.stringify({ type: event.type, object: event.object }) + "\n");
}
