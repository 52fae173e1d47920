import { isNotFound } from "../api/errors.js";
import { formatTime } from "../api/meta.js";
import type { KubeObject } from "../api/types.js";
import { realClock, type Clock } from "./clock.js";
import { resourcePath, type RestClient } from "./rest.js";
import { EVENTS } from "./resources.js";

/** Upstream's correlator: within this window repeats are counted and similar events combined. */
const WINDOW_MS = 10 * 60_000;
const SIMILAR_LIMIT = 10;
/** Upstream's correlator remembers this many events and groups (its LRU caches): a recorder lives for days. */
const CACHE_ENTRIES = 4096;

/** Map order as recency: `key` becomes the newest, and the oldest beyond CACHE_ENTRIES are forgotten. */
function keep<V>(map: Map<string, V>, key: string, value: V): V {
  map.delete(key);
  map.set(key, value);
  if (map.size > CACHE_ENTRIES) map.delete(map.keys().next().value!);
  return value;
}

export type EventType = "Normal" | "Warning";

/** An Event this recorder wrote, and the count/time/message it should show next. */
interface Seen {
  name: string;
  namespace: string;
  count: number;
  last: number;
  message: string;
  /** The write in flight (the create, then patches); repeats meanwhile only mark the entry dirty. */
  writing?: Promise<void>;
  dirty: boolean;
}

/**
 * Records core/v1 Events as upstream's recorder does: an identical event (same object, type, reason and
 * message) within ten minutes bumps `count` and `lastTimestamp` on the existing Event; more than ten
 * similar events (same object, type and reason, different messages) collapse into one whose message starts
 * "(combined from similar events): ". Writes are fire-and-forget; failures are logged, never thrown.
 */
export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly similar = new Map<string, { messages: Set<string>; since: number }>();
  private sequence = Math.floor(Math.random() * 1_000_000);

  constructor(
    private readonly client: RestClient,
    private readonly component: string,
    private readonly opts: { host?: string; clock?: Clock; log?: (e: Record<string, unknown>) => void } = {},
  ) {}

  private get clock(): Clock {
    return this.opts.clock ?? realClock;
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    return this.record(obj, type, reason, message).catch((err: unknown) => {
      this.opts.log?.({ level: "warn", msg: "Recording an event failed", reason, object: `${obj.metadata.namespace}/${obj.metadata.name}`, err: String(err) });
    });
  }

  private async record(obj: KubeObject, type: EventType, reason: string, rawMessage: string): Promise<void> {
    const now = this.clock.now();
    const meta = obj.metadata;
    const namespace = meta.namespace || "default";
    const objectKey = `${obj.kind}/${namespace}/${meta.name}/${meta.uid}`;
    const similarKey = `${objectKey}/${type}/${reason}`;
    let group = this.similar.get(similarKey);
    if (!group || now - group.since > WINDOW_MS) group = { messages: new Set(), since: now };
    keep(this.similar, similarKey, group);
    group.messages.add(rawMessage);
    const message = group.messages.size > SIMILAR_LIMIT ? `(combined from similar events): ${rawMessage}` : rawMessage;
    const key = group.messages.size > SIMILAR_LIMIT ? `${similarKey}/combined` : `${similarKey}/${rawMessage}`;

    const previous = this.seen.get(key);
    if (previous && now - previous.last <= WINDOW_MS) {
      keep(this.seen, key, previous);
      previous.count++;
      previous.last = now;
      previous.message = message;
      previous.dirty = true;
      return this.flush(previous);
    }
    // Upstream names events <object>.<UnixNano in hex>; the clock here has milliseconds, so the
    // sub-millisecond digits come from a sequence (random start: two recorders do not collide).
    this.sequence = (this.sequence + 1) % 1_000_000;
    const name = `${meta.name}.${(BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16)}`;
    const timestamp = formatTime(now);
    const entry: Seen = { name, namespace, count: 1, last: now, message, dirty: false };
    keep(this.seen, key, entry);
    entry.writing = this.client.call("POST", resourcePath(EVENTS, namespace), { body: {
      apiVersion: "v1", kind: "Event",
      metadata: { name, namespace },
      involvedObject: { kind: obj.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: obj.apiVersion, resourceVersion: meta.resourceVersion },
      reason, message, type, count: 1,
      firstTimestamp: timestamp, lastTimestamp: timestamp, eventTime: null,
      source: { component: this.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      reportingComponent: this.component, reportingInstance: this.opts.host ?? "",
    } }).then(() => undefined, (err: unknown) => {
      this.seen.delete(key);
      throw err;
    }).finally(() => {
      entry.writing = undefined;
    });
    // Repeats that arrive meanwhile mark the entry dirty and queue their own flush behind this create.
    await entry.writing;
  }

  /**
   * Brings a recorded Event up to its latest count: one patch at a time per Event, each carrying
   * everything seen so far, so a burst of repeats costs a few writes and never races itself.
   */
  private flush(entry: Seen): Promise<void> {
    if (entry.writing) return entry.writing.then(() => (entry.dirty ? this.flush(entry) : undefined));
    entry.writing = (async () => {
      while (entry.dirty) {
        entry.dirty = false;
        try {
          await this.client.patch(EVENTS, entry.namespace, entry.name, "merge", { count: entry.count, lastTimestamp: formatTime(entry.last), message: entry.message });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          entry.last = -Infinity; // deleted meanwhile: the next repeat records a new Event
          return;
        }
      }
    })().finally(() => {
      entry.writing = undefined;
    });
    return entry.writing;
  }
}
