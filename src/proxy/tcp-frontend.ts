import { connect, createServer, type Server, type Socket } from "node:net";
import type { Backend, Frontend } from "./table.js";

/** How long a backend may take to accept before the next one is tried. */
const CONNECT_TIMEOUT_MS = 1000;

export type ProxyLog = (entry: Record<string, unknown>) => void;

/**
 * One TCP frontend of the user-space proxy: accepts on the service's address and relays each connection
 * to one ready backend, round robin. A backend that refuses (a pod that just began draining) or doesn't
 * answer in time is skipped for the next, so a new connection fails only when no backend takes it; with
 * no backends at all the client's connection is reset, as kube-proxy's REJECT rule refuses it.
 */
export class TcpFrontend {
  private readonly server: Server;
  private backends: Backend[];
  private turn = 0;
  private readonly open = new Set<Socket>();

  constructor(readonly frontend: Frontend, private readonly log: ProxyLog) {
    this.backends = frontend.backends;
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.accept(client));
  }

  /** Starts accepting; rejects with the socket error (EADDRINUSE: another proxy serves this address). */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: this.frontend.ip, port: this.frontend.port }, () => {
        this.server.off("error", reject);
        this.server.on("error", (err) => this.log({ level: "warning", msg: "Proxy frontend error", frontend: this.frontend.key, err: String(err) }));
        resolve();
      });
    });
  }

  setBackends(backends: Backend[]): void {
    this.backends = backends;
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
    const candidates = this.backends;
    if (candidates.length === 0) return void client.resetAndDestroy();
    const first = this.turn++ % candidates.length;
    const attempt = (n: number) => {
      if (n >= candidates.length) {
        this.log({ level: "warning", msg: "No backend accepted the connection", frontend: this.frontend.key, service: this.frontend.service });
        return void client.resetAndDestroy();
      }
      if (client.destroyed) return;
      const backend = candidates[(first + n) % candidates.length]!;
      const upstream = connect({ host: backend.ip, port: backend.port, allowHalfOpen: true, noDelay: true });
      const timer = setTimeout(() => upstream.destroy(new Error("connect timeout")), CONNECT_TIMEOUT_MS);
      const failed = () => {
        clearTimeout(timer);
        attempt(n + 1);
      };
      upstream.once("error", failed);
      upstream.once("connect", () => {
        clearTimeout(timer);
        upstream.off("error", failed);
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
