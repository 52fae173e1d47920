import { hostname } from "node:os";
import type { Store } from "../store/store.js";
import { IdentityLease } from "./identity-lease.js";
import type { Clock, RestStore } from "./registry/rest.js";
import type { ServiceAllocations } from "./services/allocations.js";
import { ALLOCATION_LEAK_GRACE_MS, releaseLeakedAllocationsAfter, type BootstrapRests } from "./services/bootstrap.js";
import { LeaseEndpointReconciler, type EndpointRests } from "./services/endpoint-reconciler.js";

export interface PresenceOptions {
  store: Store;
  rests: BootstrapRests & EndpointRests & { leases: RestStore };
  allocations: ServiceAllocations;
  /** This server's advertise address and port. */
  ip: string;
  port: number;
  hostname?: string;
  /** "none": leave the `kubernetes` endpoints alone (--endpoint-reconciler-type=none). */
  endpointReconcilerType?: "lease" | "none";
  clock: Clock;
  log: (entry: Record<string, unknown>) => void;
}

/**
 * What an API server keeps up about itself among the others on one store, from start-up to a clean stop:
 * its identity Lease (identity-lease.ts), its place in the `kubernetes` Service's endpoints
 * (endpoint-reconciler.ts), and, once, the release of Service allocations its start-up repair found leaked.
 */
export class Presence {
  private readonly identity: IdentityLease;
  private readonly endpoints: LeaseEndpointReconciler | undefined;
  private cancelLeakRelease: (() => void) | undefined;

  constructor(private readonly opts: PresenceOptions) {
    this.identity = new IdentityLease(opts.rests.leases, { hostname: opts.hostname ?? hostname(), clock: opts.clock, log: opts.log });
    this.endpoints = opts.endpointReconcilerType === "none"
      ? undefined
      : new LeaseEndpointReconciler(opts.store, opts.rests, { ip: opts.ip, port: opts.port, clock: opts.clock, log: opts.log });
  }

  /** The first round of each, awaited (a start that can't write them fails), then their timers. */
  async start(): Promise<void> {
    this.cancelLeakRelease = releaseLeakedAllocationsAfter(this.opts.rests, this.opts.allocations, ALLOCATION_LEAK_GRACE_MS, this.opts.log);
    await this.identity.renew();
    await this.identity.collectExpired();
    this.identity.start();
    await this.endpoints?.reconcile();
    this.endpoints?.start();
  }

  /** A clean stop: the timers end and this server leaves the `kubernetes` endpoints at once. */
  async stop(): Promise<void> {
    this.cancelLeakRelease?.();
    this.identity.stop();
    await this.endpoints?.remove().catch((err: unknown) => this.opts.log({ level: "warning", msg: "Removing this API server from the kubernetes Service endpoints failed", err: String(err) }));
  }
}
