import type { KubeObject } from "../api/types.js";
import { realClock, type Clock } from "./clock.js";
import { byNodeName, byOwnerUid, orphansByNamespace, type IndexFunc } from "./indexer.js";
import { Informer } from "./informer.js";
import type { ResourceRef, RestClient } from "./rest.js";

/** The indices every shared informer keeps besides namespace: owner uid, orphans and node name. */
const SHARED_INDEXERS: Record<string, IndexFunc> = { owner: byOwnerUid, orphan: orphansByNamespace, node: byNodeName };

/**
 * client-go's SharedInformerFactory: one informer (one list, one watch, one cache) per resource, however
 * many components in the process look at it. Ask for informers, register handlers, then `run` once; an
 * informer asked for after that starts at once (as a second Start of the factory would start it).
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  private signal: AbortSignal | undefined;
  private readonly running: Array<Promise<void>> = [];

  constructor(private readonly client: RestClient, private readonly clock: Clock = realClock) {}

  for(resource: ResourceRef): Informer<KubeObject> {
    const key = `${resource.group}/${resource.version}/${resource.resource}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client, { resource, clock: this.clock, indexers: SHARED_INDEXERS });
      this.informers.set(key, inf);
      if (this.signal) this.running.push(inf.run(this.signal));
    }
    return inf;
  }

  /** Runs every informer, those asked for so far and any asked for later, until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.signal) throw new Error("The shared informers are already running");
    this.signal = signal;
    this.running.push(...[...this.informers.values()].map((i) => i.run(signal)));
    for (let settled = 0; settled < this.running.length; ) {
      const batch = this.running.slice(settled);
      await Promise.all(batch);
      settled += batch.length;
    }
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }
}
