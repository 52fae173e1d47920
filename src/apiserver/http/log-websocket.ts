import type { IncomingMessage } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { badRequest } from "../../api/errors.js";
import type { Upgrade } from "./upgrade.js";

/** Where a log stream goes: the response body, or a WebSocket's messages. */
export interface LogSink {
  write(chunk: Buffer): void;
  end(): void;
  /** The client left. */
  onClose(listener: () => void): void;
}

/** The reader protocols upstream's wsstream serves logs with: binary messages, or base64 text ones. */
const PROTOCOLS = ["binary.k8s.io", "base64.binary.k8s.io"];

/** Which protocol a log WebSocket asked for; a 400 when it offered only ones not served. */
export function logProtocol(req: IncomingMessage): string {
  const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  if (offered.length === 0) return "";
  const chosen = PROTOCOLS.find((p) => offered.includes(p));
  if (chosen === undefined) throw badRequest(`requested protocol(s) are not supported: ${JSON.stringify(offered)}; supports ${JSON.stringify(PROTOCOLS)}`);
  return chosen;
}

/**
 * pods/log read over a WebSocket (upstream's wsstream Reader): each chunk of the log is one message,
 * binary (`binary.k8s.io`, or no subprotocol) or base64 text (`base64.binary.k8s.io`); the server closes
 * the socket (1000) when the log ends. A client's messages are ignored.
 */
export function acceptLogWebSocket(req: IncomingMessage, upgrade: Upgrade, protocol: string): Promise<LogSink> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => protocol || false });
  return new Promise((resolve) => {
    wss.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => {
      ws.on("error", () => undefined);
      resolve({
        write: (chunk) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(protocol === "base64.binary.k8s.io" ? chunk.toString("base64") : chunk);
        },
        end: () => ws.close(1000),
        onClose: (listener) => void ws.once("close", listener),
      });
    });
  });
}
