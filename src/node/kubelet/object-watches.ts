import { CONFIGMAPS, SECRETS } from "../../client/resources.js";
import { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import type { Clock } from "../../client/clock.js";

export type ObjectKind = "configmap" | "secret";

export interface ObjectRef {
  kind: ObjectKind;
  namespace: string;
  name: string;
}

interface Watch {
  stop: AbortController;
  users: Set<string>;
}

/**
 * Upstream's watch-based ConfigMap/Secret manager: the kubelet watches each object its pods' volumes
 * name, one watch per object (`fieldSelector=metadata.name=…` in its namespace), for as long as a pod
 * names it, and calls `changed` with the pods that use an object when it changes. It never watches
 * every Secret of the cluster, which the Node authorizer would refuse and which costs every node every
 * Secret write.
 */
export class ObjectWatches {
  private readonly watches = new Map<string, Watch>();
  private readonly refsOf = new Map<string, string[]>();
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly changed: (podUids: string[]) => void,
    private readonly opts: { clock?: Clock; log?: (entry: Record<string, unknown>) => void } = {},
  ) {}

  /** The objects pod `uid` names now: new ones are watched, ones no pod names any more are not. */
  track(uid: string, refs: readonly ObjectRef[]): void {
    if (this.stopped) return;
    const keys = [...new Set(refs.filter((r) => r.name !== "").map((r) => `${r.kind}/${r.namespace}/${r.name}`))];
    const before = this.refsOf.get(uid) ?? [];
    for (const key of before) if (!keys.includes(key)) this.release(key, uid);
    for (const key of keys) {
      let watch = this.watches.get(key);
      if (!watch) {
        watch = this.start(key);
        this.watches.set(key, watch);
      }
      watch.users.add(uid);
    }
    if (keys.length > 0) this.refsOf.set(uid, keys);
    else this.refsOf.delete(uid);
  }

  /** Pod `uid` is gone: its objects are watched only for the pods still naming them. */
  forget(uid: string): void {
    for (const key of this.refsOf.get(uid) ?? []) this.release(key, uid);
    this.refsOf.delete(uid);
  }

  /** How many objects are watched (for tests and metrics). */
  get size(): number {
    return this.watches.size;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches.values()) w.stop.abort();
    this.watches.clear();
    this.refsOf.clear();
  }

  private release(key: string, uid: string): void {
    const watch = this.watches.get(key);
    if (!watch) return;
    watch.users.delete(uid);
    if (watch.users.size > 0) return;
    watch.stop.abort();
    this.watches.delete(key);
  }

  private start(key: string): Watch {
    const [kind, namespace, name] = key.split("/") as [ObjectKind, string, string];
    const watch: Watch = { stop: new AbortController(), users: new Set() };
    const informer = new Informer(this.client, {
      resource: kind === "secret" ? SECRETS : CONFIGMAPS, namespace, fieldSelector: `metadata.name=${name}`, clock: this.opts.clock, log: this.opts.log,
    });
    // The pod's own sync read the object: only changes after the first list matter.
    let listed = false;
    const touched = () => {
      if (listed) this.changed([...watch.users]);
    };
    informer.on({ add: touched, update: touched, delete: touched });
    void informer.waitForSync().then(() => (listed = true));
    void informer.run(watch.stop.signal).catch((err: unknown) => this.opts.log?.({ level: "error", msg: "Watching a pod's object failed", object: key, err: String(err) }));
    return watch;
  }
}
