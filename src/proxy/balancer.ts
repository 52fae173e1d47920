import { ClientAffinity } from "./affinity.js";
import type { Backend, Frontend } from "./table.js";

/** A backend that refused or timed out is tried after the others for this long, or until it leaves the endpoints. */
const FAILED_BACKEND_MS = 10_000;

export const backendKey = (b: Backend): string => `${b.ip}:${b.port}`;

/**
 * The backends in the order to try for one connection: round robin from `first`, except that the ones that
 * failed to accept within FAILED_BACKEND_MS of `now` come last.
 */
export function tryOrder(backends: readonly Backend[], first: number, failedAt: ReadonlyMap<string, number>, now: number): Backend[] {
  const rotated = [...backends.slice(first), ...backends.slice(0, first)];
  if (failedAt.size === 0) return rotated;
  const recentlyFailed = (b: Backend) => now - (failedAt.get(backendKey(b)) ?? -Infinity) < FAILED_BACKEND_MS;
  return [...rotated.filter((b) => !recentlyFailed(b)), ...rotated.filter(recentlyFailed)];
}

/**
 * How one frontend (TCP or UDP) chooses backends for new connections: round robin over the ready ones,
 * those that recently failed last, and with `sessionAffinity: ClientIP` a returning client's backend
 * first for as long as it keeps coming back within the timeout.
 */
export class Balancer {
  private backends: Backend[];
  private turn = 0;
  /** `ip:port` → when it last failed to accept. */
  private readonly failed = new Map<string, number>();
  private affinity: ClientAffinity | undefined;
  private affinityTimeoutSeconds: number | undefined;

  constructor(frontend: Frontend, private readonly now: () => number = () => performance.now()) {
    this.backends = frontend.backends;
    this.update(frontend);
  }

  /** Takes the frontend's current backends and affinity (a service switched to or from ClientIP, or its timeout changed). */
  update(frontend: Pick<Frontend, "backends" | "affinityTimeoutSeconds">): void {
    if (frontend.affinityTimeoutSeconds !== this.affinityTimeoutSeconds) {
      this.affinityTimeoutSeconds = frontend.affinityTimeoutSeconds;
      this.affinity = frontend.affinityTimeoutSeconds === undefined ? undefined : new ClientAffinity(frontend.affinityTimeoutSeconds * 1000);
    }
    this.setBackends(frontend.backends);
  }

  private setBackends(backends: Backend[]): void {
    this.backends = backends;
    const current = new Set(backends.map(backendKey));
    for (const k of this.failed.keys()) if (!current.has(k)) this.failed.delete(k);
    this.affinity?.retain(current);
  }

  /** The backends to try, in order, for a new connection from `client` (its IP address). */
  candidates(client: string | undefined): Backend[] {
    if (this.backends.length === 0) return [];
    const now = this.now();
    const sticky = client === undefined ? undefined : this.affinity?.backendOf(client, now);
    const order = tryOrder(this.backends, this.turn++ % this.backends.length, this.failed, now);
    const at = sticky === undefined ? -1 : order.findIndex((b) => backendKey(b) === sticky);
    if (at > 0) order.unshift(...order.splice(at, 1));
    return order;
  }

  /** `backend` took a connection from `client`. */
  accepted(client: string | undefined, backend: Backend): void {
    this.failed.delete(backendKey(backend));
    if (client !== undefined) this.affinity?.served(client, backendKey(backend), this.now());
  }

  /** `backend` refused a connection or didn't answer in time. */
  refused(backend: Backend): void {
    this.failed.set(backendKey(backend), this.now());
  }
}

/** A socket's remote address as the client IP affinity keys on (IPv4-mapped IPv6 unwrapped). */
export function clientIP(address: string | undefined): string | undefined {
  return address?.startsWith("::ffff:") ? address.slice(7) : address;
}
