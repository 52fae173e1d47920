import { request } from "node:http";
import type { Socket } from "node:net";
import { SpdySession } from "../../../api/spdy/session.js";

/** A SPDY session with the CRI streaming server, and the connection under it. */
export interface StreamingConnection {
  session: SpdySession;
  socket: Socket;
}

/** How long the streaming server may take to answer the upgrade. */
const UPGRADE_TIMEOUT_MS = 30_000;

/**
 * Upgrades a GET of `url` (what the CRI's Exec, Attach or PortForward returned: containerd's streaming
 * server, plain HTTP on the node's loopback) to SPDY/3.1 with `protocol` as the X-Stream-Protocol-Version,
 * as client-go's SPDY round tripper does, and opens this side's session (the client's: odd stream ids).
 * Rejects with the server's words when it refuses (an unknown or spent token: 404).
 */
export function dialStreamingServer(url: string, protocol: string): Promise<StreamingConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET", agent: false, timeout: UPGRADE_TIMEOUT_MS,
      headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": protocol },
    });
    req.once("upgrade", (res, socket, head) => {
      const chosen = res.headers["x-stream-protocol-version"];
      if (chosen !== undefined && chosen !== protocol) {
        socket.destroy();
        return reject(new Error(`the streaming server chose protocol ${String(chosen)}, not ${protocol}`));
      }
      socket.setTimeout(0);
      socket.setNoDelay(true);
      socket.on("error", () => undefined);
      if (head.length > 0) socket.unshift(head);
      resolve({ session: new SpdySession(socket, { server: false }), socket });
    });
    req.once("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        if (body.length < 4096) body += d;
      });
      res.once("end", () => reject(new Error(`the streaming server refused the stream (${res.statusCode}): ${body.trim() || res.statusMessage}`)));
    });
    req.once("timeout", () => req.destroy(new Error(`the streaming server at ${url} did not answer in ${UPGRADE_TIMEOUT_MS / 1000}s`)));
    req.once("error", (err) => reject(new Error(`cannot reach the streaming server: ${err.message}`)));
    req.end();
  });
}
