import type { KubeObject } from "../api/types.js";
import { realClock, type Clock } from "./clock.js";
import { byNodeName, byOwnerUid, type IndexFunc } from "./indexer.js";
import { Informer } from "./informer.js";
import type { ResourceRef, RestClient } from "./rest.js";

/** The indices every shared informer keeps besides namespace: owner uid and node name. */
const SHARED_INDEXERS: Record<string, IndexFunc> = { owner: byOwnerUid, node: byNodeName };

/**
 * client-go's SharedInformerFactory: one informer (one list, one watch, one cache) per resource, however
 * many controllers in the process look at it. Ask for informers, register handlers, then `run` once.
 */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  private started = false;

  constructor(private readonly client: RestClient, private readonly clock: Clock = realClock) {}

  for(resource: ResourceRef): Informer<KubeObject> {
    const key = `${resource.group}/${resource.version}/${resource.resource}`;
    let inf = this.informers.get(key);
    if (!inf) {
      if (this.started) throw new Error(`The shared informer for ${key} was asked for after start`);
      inf = new Informer(this.client, { resource, clock: this.clock, indexers: SHARED_INDEXERS });
      this.informers.set(key, inf);
    }
    return inf;
  }

  /** Runs every informer asked for so far until the signal aborts. */
  run(signal: AbortSignal): Promise<void> {
    this.started = true;
    return Promise.all([...this.informers.values()].map((i) => i.run(signal))).then(() => undefined);
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }
}
