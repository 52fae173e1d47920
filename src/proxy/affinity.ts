/** Upstream's default sessionAffinityConfig.clientIP.timeoutSeconds: three hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;
/** Clients remembered at most per frontend; the least recently seen goes first. */
const MAX_CLIENTS = 65_536;

/**
 * `sessionAffinity: ClientIP`: the backend each client address last used, kept while the client keeps
 * coming back within the timeout (as kube-proxy's `recent` match: the clock restarts at every connection).
 */
export class ClientAffinity {
  /** client IP → backend `ip:port` and when the client was last seen; in least-recently-seen order. */
  private readonly clients = new Map<string, { backend: string; seen: number }>();

  constructor(private readonly timeoutMs: number) {}

  /** The backend `client` should keep using, if its last use is within the timeout. */
  backendOf(client: string, now: number): string | undefined {
    const entry = this.clients.get(client);
    if (!entry) return undefined;
    if (now - entry.seen >= this.timeoutMs) {
      this.clients.delete(client);
      return undefined;
    }
    return entry.backend;
  }

  /** Records that `client` was just served by `backend`. */
  served(client: string, backend: string, now: number): void {
    this.clients.delete(client);
    this.clients.set(client, { backend, seen: now });
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
  }

  /** Forgets the clients of backends that left the endpoints: they are balanced afresh. */
  retain(backends: ReadonlySet<string>): void {
    for (const [client, entry] of this.clients) if (!backends.has(entry.backend)) this.clients.delete(client);
  }
}
