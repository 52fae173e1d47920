import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { Balancer, clientIP } from "./balancer.js";
import type { Frontend } from "./table.js";

/**
 * How long the n-th backend tried for one connection may take to accept before the next is tried: upstream's
 * user-space proxy's EndpointDialTimeouts. A pod on this host accepts within microseconds (the kernel does
 * it), so a short first timeout only cuts short a backend that is gone, e.g. a pod whose network namespace
 * was removed before its endpoint was.
 */
const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];
export type ProxyLog = (entry: Record<string, unknown>) => void;

/**
 * One TCP frontend of the user-space proxy: accepts on the service's address and relays each connection
 * to one ready backend, as its Balancer orders them (round robin, client IP affinity). A backend that
 * refuses (a pod that just began draining) or doesn't answer in time is skipped for the next, and tried
 * last for a while after, so a new connection fails only when no backend takes it; with no backends at
 * all the client's connection is reset, as kube-proxy's REJECT rule refuses it.
 */
export class TcpFrontend {
  private readonly server: Server;
  private readonly balancer: Balancer;
  private readonly open = new Set<Socket>();

  constructor(readonly frontend: Frontend, private readonly log: ProxyLog, now?: () => number) {
    this.balancer = new Balancer(frontend, now);
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.accept(client));
  }

  /** Starts accepting; resolves to the bound port; rejects with the socket error (EADDRINUSE: another proxy serves this address). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: this.frontend.ip, port: this.frontend.port }, () => {
        this.server.off("error", reject);
        this.server.on("error", (err) => this.log({ level: "warning", msg: "Proxy frontend error", frontend: this.frontend.key, err: String(err) }));
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Takes the service's current backends and session affinity. */
  update(frontend: Pick<Frontend, "backends" | "affinityTimeoutSeconds">): void {
    this.balancer.update(frontend);
  }

  /** Stops accepting; connections already relayed run to their end. */
  close(): void {
    this.server.close();
  }

  /** Stops accepting and cuts every relayed connection (shutdown). */
  destroy(): void {
    this.server.close();
    for (const s of this.open) s.destroy();
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    client.on("error", () => client.destroy());
    const from = clientIP(client.remoteAddress);
    const candidates = this.balancer.candidates(from);
    if (candidates.length === 0) return void client.resetAndDestroy();
    const attempt = (n: number) => {
      if (n >= candidates.length) {
        this.log({ level: "warning", msg: "No backend accepted the connection", frontend: this.frontend.key, service: this.frontend.service });
        return void client.resetAndDestroy();
      }
      if (client.destroyed) return;
      const backend = candidates[n]!;
      const upstream = connect({ host: backend.ip, port: backend.port, allowHalfOpen: true, noDelay: true });
      // Judged after the loop's poll phase: when the event loop was busy past the deadline, a connection the
      // kernel completed in time is seen (and kept) before it would be given up.
      const timer = setTimeout(() => setImmediate(() => {
        if (upstream.connecting) upstream.destroy(new Error("connect timeout"));
      }), DIAL_TIMEOUTS_MS[Math.min(n, DIAL_TIMEOUTS_MS.length - 1)]);
      const failed = () => {
        clearTimeout(timer);
        this.balancer.refused(backend);
        attempt(n + 1);
      };
      upstream.once("error", failed);
      upstream.once("connect", () => {
        clearTimeout(timer);
        upstream.off("error", failed);
        this.balancer.accepted(from, backend);
        this.relay(client, upstream);
      });
    };
    attempt(0);
  }

  private relay(client: Socket, upstream: Socket): void {
    for (const s of [client, upstream]) {
      this.open.add(s);
      s.once("close", () => this.open.delete(s));
    }
    // Either side closing ends the other once what is queued for it has been written; an error cuts both.
    const finish = (other: Socket) => {
      if (!other.destroyed) other.end(() => other.destroy());
    };
    client.on("close", () => finish(upstream));
    upstream.on("close", () => finish(client));
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
