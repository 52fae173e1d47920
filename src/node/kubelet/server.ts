import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeletAuth } from "./server-auth.js";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { queryBool } from "../../api/query.js";
import { streamLog, type LogOptions } from "../runtime/logs.js";
import { StreamServer, type StreamSource } from "./stream-server.js";

export type { StreamTargetIds, StreamSource } from "./stream-server.js";

/** What the server needs from the agent to answer /containerLogs. */
export interface LogSource {
  /** The container's log file, or the reason there is none (the agent's 400 text). */
  logFile(namespace: string, pod: string, container: string, previous: boolean): { path: string; running: () => boolean } | { error: string; code: 400 | 404 };
}

export interface KubeletServerOptions {
  cert: string;
  key: string;
  /** Who may ask what (absent: anyone, for tests). */
  auth?: KubeletAuth;
  /** Serves /exec, /attach and /portForward when set. */
  streams?: StreamSource;
}

export function logOptions(q: URLSearchParams, now: number): LogOptions {
  const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
  const since = num("sinceSeconds");
  const sinceTime = q.get("sinceTime");
  return {
    follow: queryBool(q, "follow"),
    timestamps: queryBool(q, "timestamps"),
    tailLines: num("tailLines"),
    limitBytes: num("limitBytes"),
    sinceTime: since !== undefined ? now - since * 1000 : sinceTime ? Date.parse(sinceTime) : undefined,
  };
}

/**
 * The node agent's HTTPS endpoint (the kubelet's port 10250): container logs for the API server's
 * pods/log, exec/attach/port-forward upgrades (stream-server.ts), and /healthz.
 */
export class KubeletServer {
  private readonly server: Server;
  /** Connections handed to exec, attach and port-forward: closed with the server. */
  private readonly upgraded = new Set<Duplex>();

  constructor(private readonly source: LogSource, private readonly opts: KubeletServerOptions) {
    this.server = createServer({ cert: opts.cert, key: opts.key, ...opts.auth?.tlsOptions() }, (req, res) => void this.serve(req, res));
    const streams = opts.streams && new StreamServer(opts.streams);
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", () => undefined);
      void this.allowed(req).then((refusal) => {
        if (refusal) return void socket.end(`HTTP/1.1 ${refusal.code} ${refusal.code === 401 ? "Unauthorized" : "Forbidden"}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal.message}`);
        if (!streams) return void socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n404 page not found");
        this.upgraded.add(socket);
        socket.once("close", () => this.upgraded.delete(socket));
        streams.handle(req, socket, head);
      });
    });
  }

  /** The refusal of a request its sender may not make, or undefined. A failed review is a 503, never a crash. */
  private async allowed(req: IncomingMessage): Promise<{ code: number; message: string } | undefined> {
    if (!this.opts.auth) return undefined;
    try {
      const r = await this.opts.auth.check(req, new URL(req.url ?? "/", "https://kubelet").pathname);
      return r.ok ? undefined : r;
    } catch (err) {
      return { code: 503, message: `Authorization failed: ${(err as Error).message}` };
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet");
    if (url.pathname === "/healthz") return void res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    const refusal = await this.allowed(req);
    if (refusal) return void res.writeHead(refusal.code, { "Content-Type": "text/plain" }).end(refusal.message);
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) return void res.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
    const [ns, pod, container] = m.slice(1).map(decodeURIComponent) as [string, string, string];
    const file = this.source.logFile(ns, pod, container, queryBool(url.searchParams, "previous"));
    if ("error" in file) return void res.writeHead(file.code, { "Content-Type": "text/plain" }).end(file.error);
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.flushHeaders();
    streamLog(file.path, logOptions(url.searchParams, Date.now()), (t) => res.write(t), file.running, abort.signal)
      .catch(() => undefined)
      .finally(() => res.end());
  }

  /** Serves a new certificate and key from the next connection on (the kubelet's certificate manager rotating it). */
  setCertificate(cert: string, key: string): void {
    this.server.setSecureContext({ cert, key, ...this.opts.auth?.tlsOptions() });
  }

  listen(port: number, host = "0.0.0.0"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    for (const socket of this.upgraded) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
