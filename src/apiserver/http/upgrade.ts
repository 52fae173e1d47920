import { ServerResponse, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** The connection of a request that asked to upgrade it (`Upgrade: SPDY/3.1`, `websocket`), and the bytes read past its head. */
export interface Upgrade {
  socket: Duplex;
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, Upgrade>();

/** The upgrade a request asked for, for a handler that takes the connection over (exec, port-forward). */
export function upgradeOf(req: IncomingMessage): Upgrade | undefined {
  return upgrades.get(req);
}

/**
 * Serves an upgrade request through the ordinary request handler, so it is authenticated, routed and
 * answered like any other: the handler gets a response bound to the connection (an error Status is
 * written there, then the connection closes), and `upgradeOf(req)` for taking the connection over.
 */
export function serveUpgrade(handler: (req: IncomingMessage, res: ServerResponse) => void, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on("error", () => undefined);
  upgrades.set(req, { socket, head });
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once("finish", () => socket.end());
  handler(req, res);
}
