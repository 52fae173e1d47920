import { SERVICE_NAME_LABEL } from "../../api/discovery.js";
import { isAlreadyExists, isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Store } from "../../store/store.js";
import type { Clock, RestStore } from "../registry/rest.js";

/** Where each API server's lease lives, one key per advertise address (upstream's /registry/masterleases/<ip>: under the store's root, as every key). */
export const MASTER_LEASES_PREFIX = "/registry/masterleases/";
/** How often each API server renews its lease and rewrites the endpoints (DefaultEndpointReconcilerInterval). */
export const ENDPOINT_RECONCILER_INTERVAL_MS = 10_000;
/** How long a lease lives without renewal (DefaultEndpointReconcilerTTL). */
export const ENDPOINT_RECONCILER_TTL_MS = 15_000;

export interface EndpointRests {
  endpoints: RestStore;
  endpointSlices: RestStore;
}

export interface LeaseEndpointReconcilerOptions {
  /** This API server's advertise address and port: what the `kubernetes` Service's endpoints name for it. */
  ip: string;
  port: number;
  clock: Clock;
  ttlMs?: number;
  intervalMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * kube-apiserver's lease endpoint reconciler (--endpoint-reconciler-type=lease, the default): every API
 * server keeps a lease key `/registry/masterleases/<its ip>` alive, and every round writes the `default/kubernetes`
 * Endpoints and EndpointSlice to name exactly the addresses whose leases are alive, so pods reach every
 * live API server and none that died.
 *
 * Upstream's leases expire by an etcd TTL. The store contract has no TTL, so a lease expires here the way
 * a leader election record does: a reconciler that has seen a key's revision stay the same for the TTL on
 * its own clock deletes it (with that revision as precondition, so a renewal racing it wins). No clocks
 * are compared between machines. A server that stops cleanly removes its own lease and itself from the
 * endpoints at once ({@link remove}); one that dies drops out within TTL + one interval.
 */
export class LeaseEndpointReconciler {
  /** Each lease key's revision as last listed, and when (our clock) it was first listed so. */
  private readonly seen = new Map<string, { revision: number; at: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly store: Store, private readonly rests: EndpointRests, private readonly opts: LeaseEndpointReconcilerOptions) {}

  private get key(): string {
    return MASTER_LEASES_PREFIX + this.opts.ip;
  }

  /** One round: renew this server's lease, forget expired ones, write the endpoints. Returns the addresses written. */
  async reconcile(): Promise<string[]> {
    await this.renew();
    const ips = await this.liveAddresses();
    await writeKubernetesEndpoints(this.rests, ips, this.opts.port);
    return ips;
  }

  /** Runs a round every interval until {@link stop}; a failed round is logged and the next one tries again. */
  start(): void {
    this.timer = setInterval(() => {
      this.reconcile().catch((err: unknown) => this.opts.log?.({ level: "error", msg: "Reconciling the kubernetes Service endpoints failed", err: String(err) }));
    }, this.opts.intervalMs ?? ENDPOINT_RECONCILER_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** On a clean shutdown: this server's lease goes, and the endpoints name only the others. */
  async remove(): Promise<void> {
    this.stop();
    try {
      await this.store.delete(this.key);
    } catch (err) {
      if (!(err instanceof KeyNotFoundError)) throw err;
    }
    const others = (await this.liveAddresses()).filter((ip) => ip !== this.opts.ip);
    await writeKubernetesEndpoints(this.rests, others, this.opts.port);
  }

  private async renew(): Promise<void> {
    // The value is what upstream keeps there: an Endpoints naming the address.
    const value = JSON.stringify({ kind: "Endpoints", apiVersion: "v1", metadata: { name: this.opts.ip }, subsets: [{ addresses: [{ ip: this.opts.ip }] }] });
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.store.get(this.key);
      try {
        if (current) await this.store.update(this.key, value, current.modRevision);
        else await this.store.create(this.key, value);
        return;
      } catch (err) {
        // Another reconciler deleted it as expired, or it appeared meanwhile: read it again.
        if (!(err instanceof RevisionMismatchError || err instanceof KeyExistsError || err instanceof KeyNotFoundError)) throw err;
      }
    }
  }

  /** The addresses of the leases alive now, as their keys sort (this server's always among them). */
  private async liveAddresses(): Promise<string[]> {
    const now = this.opts.clock.now();
    const ttl = this.opts.ttlMs ?? ENDPOINT_RECONCILER_TTL_MS;
    const live = new Set<string>();
    const listed = new Set<string>();
    for (const kv of (await this.store.list(MASTER_LEASES_PREFIX)).items) {
      listed.add(kv.key);
      const seen = this.seen.get(kv.key);
      if (!seen || seen.revision !== kv.modRevision) this.seen.set(kv.key, { revision: kv.modRevision, at: now });
      else if (now - seen.at >= ttl && kv.key !== this.key) {
        await this.store.delete(kv.key, kv.modRevision).catch(() => undefined);
        this.opts.log?.({ level: "info", msg: "Removed an API server whose lease expired from the kubernetes Service endpoints", address: kv.key.slice(MASTER_LEASES_PREFIX.length) });
        continue;
      }
      live.add(kv.key.slice(MASTER_LEASES_PREFIX.length));
    }
    for (const key of this.seen.keys()) if (!listed.has(key)) this.seen.delete(key);
    live.add(this.opts.ip);
    return [...live].sort();
  }
}

/** Writes `default/kubernetes`'s Endpoints and EndpointSlice to name `ips` on `port`, when they name something else. */
export async function writeKubernetesEndpoints(rests: EndpointRests, ips: string[], port: number): Promise<void> {
  const ports = [{ name: "https", port, protocol: "TCP" }];
  const subsets = ips.length ? [{ addresses: ips.map((ip) => ({ ip })), ports }] : [];
  await upsert(rests.endpoints, {
    apiVersion: "v1", kind: "Endpoints", metadata: { name: "kubernetes", namespace: "default", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets,
  }, (ep) => JSON.stringify(ep.subsets ?? []) === JSON.stringify(subsets));
  const endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
  await upsert(rests.endpointSlices, {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "kubernetes", namespace: "default", labels: { [SERVICE_NAME_LABEL]: "kubernetes" } },
    addressType: "IPv4", endpoints, ports,
  }, (s) => JSON.stringify(s.endpoints ?? []) === JSON.stringify(endpoints) && JSON.stringify(s.ports) === JSON.stringify(ports));
}

/** Creates or brings up to date one object the API server owns. */
export async function upsert(rest: RestStore, obj: KubeObject, same: (current: KubeObject) => boolean): Promise<void> {
  const { namespace, name } = obj.metadata;
  for (let attempt = 0; ; attempt++) {
    try {
      const current = await rest.get(namespace, name!);
      if (same(current)) return;
      await rest.guaranteedUpdate(namespace, name!, {}, (cur) => ({ ...obj, metadata: { ...cur.metadata, labels: obj.metadata.labels } }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await rest.create(namespace, obj);
      return;
    } catch (err) {
      // Another API server created it first: bring that one up to date instead.
      if (!isAlreadyExists(err) || attempt > 0) throw err;
    }
  }
}
