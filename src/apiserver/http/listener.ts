import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { serveUpgrade } from "./upgrade.js";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Where the API server listens: HTTPS offering HTTP/2 and HTTP/1.1 (ALPN), as kube-apiserver does —
 * kubectl and client-go multiplex every request and watch of a client over one HTTP/2 connection — or
 * plain HTTP/1.1 without certificates (tests).
 */
export class Listener {
  private readonly server: Http2SecureServer | HttpServer;
  private readonly sockets = new Set<Socket>();

  /**
   * With `certs.caCert`, clients are asked for a certificate signed by that CA (the handshake names it);
   * one that is missing or refused still connects — the request's authenticator decides (`socket.authorized`).
   */
  constructor(handler: RequestHandler, certs?: { cert: string; key: string; caCert?: string }) {
    if (certs) {
      // HTTP/2's compatibility API gives handlers what they use of IncomingMessage and ServerResponse;
      // an HTTP/1.1 client (ALPN http/1.1, or none) gets those very classes.
      const h2 = createSecureServer({
        cert: certs.cert, key: certs.key, allowHTTP1: true,
        ...(certs.caCert ? { ca: certs.caCert, requestCert: true, rejectUnauthorized: false } : {}),
        settings: { initialWindowSize: 4 << 20 },
      }, handler as unknown as Parameters<typeof createSecureServer>[1]);
      h2.prependListener("secureConnection", (socket: TLSSocket) => {
        if (socket.alpnProtocol !== "h2") readThroughEvents(socket);
      });
      h2.on("secureConnection", (socket: Socket) => this.track(socket));
      h2.on("session", (session) => session.setLocalWindowSize(16 << 20));
      // HTTP/1.1 upgrades (kubectl exec, port-forward): Node emits these on the HTTP/2 server for its
      // HTTP/1.1 connections too.
      h2.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => serveUpgrade(handler, req, socket, head));
      // Kept alive between a client's requests as long as it likes (Node's HTTP/1.1 default is 5 s).
      (h2 as unknown as { keepAliveTimeout: number }).keepAliveTimeout = 60_000;
      this.server = h2;
    } else {
      const http = createHttpServer(handler);
      http.keepAliveTimeout = 60_000;
      http.prependListener("connection", readThroughEvents);
      http.on("connection", (socket: Socket) => this.track(socket));
      http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => serveUpgrade(handler, req, socket, head));
      this.server = http;
    }
  }

  private track(socket: Socket): void {
    // Responses are written whole: Nagle's algorithm would only hold the last segment of one back for an
    // ACK the client delays (~40 ms). Node sets this for HTTP/1.1, not for HTTP/2.
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  /** Stops listening and drops every connection, open watches included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/**
 * Makes Node's HTTP/1.1 server read a connection through the socket's 'data' events instead of feeding
 * its parser from the socket's handle in C++ (which it does when the handle is not yet "consumed").
 *
 * Why: when a keep-alive client's next request arrives while the previous response is still draining
 * (any response over the socket's 16 KiB high-water mark, i.e. most creates of a large object), the
 * server pauses the socket and the parser. `socket.pause()` stops 'data' events but not a consumed
 * handle's reads, so the rest of the request's body still reaches the paused parser: "Parse Error:
 * Paused" (HPE_PAUSED), and the server drops the connection without answering — the random resets
 * of large bodies on reused connections (Node 20; TLS, where the previous response drains a turn later).
 * Read through events, the pause holds and the request is served when the response has drained.
 */
function readThroughEvents(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: { _consumed?: boolean } })._handle;
  if (handle) handle._consumed = true;
}
