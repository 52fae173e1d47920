/**
 * The kubelet's per-container back-off (upstream's flowcontrol.Backoff): the first restart is immediate,
 * then the wait doubles from `initialMs` up to `maxMs`; an entry untouched for twice the maximum (10 min by
 * default, i.e. the container ran that long) starts over.
 */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(private readonly initialMs = 10_000, private readonly maxMs = 300_000) {}

  private live(key: string, at: number) {
    const e = this.entries.get(key);
    if (e && at - e.lastUpdate > 2 * this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** How long from `now` until a restart after an event (the exit) at `eventTime` may happen; 0 = now. */
  remaining(key: string, eventTime: number, now: number): number {
    const e = this.live(key, eventTime);
    if (!e) return 0;
    return Math.max(0, e.delayMs - (now - eventTime));
  }

  /** The back-off currently applied to the key (for messages: "back-off 20s …"). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? this.initialMs;
  }

  /** Records a restart made for an event at `eventTime`, doubling the next wait. */
  next(key: string, eventTime: number): void {
    const e = this.live(key, eventTime);
    this.entries.set(key, { delayMs: e ? Math.min(e.delayMs * 2, this.maxMs) : this.initialMs, lastUpdate: eventTime });
  }

  forget(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** Go's time.Duration printing for whole seconds and minutes, as in "back-off 5m0s restarting …". */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ""}${m}m${s % 60}s`;
}
