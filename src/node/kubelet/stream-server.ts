import type { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer, type WebSocket } from "ws";
import { SpdySession } from "../../api/spdy/session.js";
import type { ExecProcess, StreamingRuntime } from "../runtime/runtime.js";
import { attachProcess } from "./attach.js";
import { servePortForwardSpdy, servePortForwardWebsocket } from "./port-forward.js";
import {
  runCommand, spdyChannels, spdyCommandStreams, streamOptions, websocketChannels, WEBSOCKET_PROTOCOLS, type CommandChannels,
} from "./remote-command.js";

export interface StreamTargetIds {
  sandboxId: string;
  containerId?: string;
  logPath?: string;
  /**
   * Attach shows the instance's output from its start: a `stdinOnce` container (`kubectl run -it`) waits
   * for its first attacher under the kubelet; this runtime can't make it wait, so the first attacher is
   * shown what it missed instead.
   */
  attachFromStart?: boolean;
  /** The container asked for a terminal: its output reads as a terminal's (newlines as CR LF). */
  tty?: boolean;
}

/** What the agent's server needs to serve /exec, /attach and /portForward. */
export interface StreamSource {
  target(namespace: string, pod: string, container?: string): StreamTargetIds | { error: string; code: 400 | 404 };
  /** Undefined on a runtime without processes: requests get a clear 400, never a hang. */
  runtime(): StreamingRuntime | undefined;
  /** True while the container runs (attach ends when it exits). */
  running(containerId: string): boolean;
  nodeName: string;
}

const SPDY_COMMAND_PROTOCOLS = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"];
const PORT_FORWARD_SPDY = "portforward.k8s.io";
const TUNNEL_PREFIX = "SPDY/3.1+";
const PORT_FORWARD_WEBSOCKET = ["v4.channel.k8s.io", "portforward.k8s.io"];
/** How long a SPDY client may take to open its streams (the kubelet's streamCreationTimeout). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** A stream connection with no traffic either way is closed after this (the kubelet's streamingConnectionIdleTimeout). */
export const STREAMING_IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;

/**
 * The node agent's streaming endpoints, as the kubelet serves them to the API server:
 * `/exec/{namespace}/{pod}/{container}?command=…&stdin=…&stdout=…&stderr=…&tty=…`, `/attach/…` (same
 * options, the container's live output) and `/portForward/{namespace}/{pod}` (SPDY streams, or
 * `?ports=` over a WebSocket). Each upgrades to SPDY/3.1 (`X-Stream-Protocol-Version` negotiated in the
 * server's order) or to a WebSocket (subprotocol negotiated likewise; `SPDY/3.1+portforward.k8s.io`
 * tunnels SPDY frames in binary messages, as kubectl ≥ 1.30's port-forward sends them).
 */
export class StreamServer {
  constructor(private readonly source: StreamSource, private readonly idleTimeoutMs = STREAMING_IDLE_TIMEOUT_MS) {}

  /** Handles an upgrade request; answers a Status with the kubelet's words when it can't. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => undefined);
    this.closeWhenIdle(socket);
    const url = new URL(req.url ?? "/", "https://kubelet");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [kind, namespace, pod] = parts;
    const container = parts.length === 5 ? parts[4] : parts[3];
    if (!namespace || !pod || !["exec", "attach", "portForward"].includes(kind ?? "") || (kind !== "portForward" && !container)) {
      return refuse(socket, 404, "404 page not found");
    }
    const runtime = this.source.runtime();
    if (!runtime) return refuse(socket, 400, `node "${this.source.nodeName}" is simulated: ${kind === "portForward" ? "port-forward" : kind} is not available`);
    const target = this.source.target(namespace, pod, kind === "portForward" ? undefined : container);
    if ("error" in target) return refuse(socket, target.code, target.error);
    const websocket = (req.headers.upgrade ?? "").toLowerCase() === "websocket";
    const offered = offeredProtocols(req, websocket);
    if (kind === "portForward") {
      const dial = (port: number) => runtime.portForward(target.sandboxId, port);
      if (websocket) {
        const tunnel = offered.find((p) => p === TUNNEL_PREFIX + PORT_FORWARD_SPDY);
        const chosen = tunnel ?? PORT_FORWARD_WEBSOCKET.find((p) => offered.includes(p)) ?? (offered.length === 0 ? "" : undefined);
        if (chosen === undefined) return refuse(socket, 400, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify([TUNNEL_PREFIX + PORT_FORWARD_SPDY, ...PORT_FORWARD_WEBSOCKET])}`);
        const ports = url.searchParams.get("ports")?.split(",").map((p) => p.trim()) ?? [];
        if (!tunnel) {
          if (ports.length === 0) return refuse(socket, 400, `query parameter "port" is required`);
          if (ports.length > 64 || ports.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)) return refuse(socket, 400, `unable to parse "${ports.join(",")}" as a port: invalid port`);
        }
        return this.accept(req, socket, head, chosen, (ws) => {
          if (tunnel) servePortForwardSpdy(new SpdySession(createWebSocketStream(ws).on("error", () => undefined), { server: true }), dial, pod);
          else servePortForwardWebsocket(ws, ports.map(Number), dial, pod);
        });
      }
      if (offered.length > 0 && !offered.includes(PORT_FORWARD_SPDY)) return refuse(socket, 403, negotiationError(offered, [PORT_FORWARD_SPDY]));
      upgradeSpdy(socket, PORT_FORWARD_SPDY);
      return servePortForwardSpdy(new SpdySession(socket, { server: true }), dial, pod);
    }

    if (!this.source.running(target.containerId!)) {
      return refuse(socket, 400, kind === "exec" ? "cannot exec in a stopped container: container is not running" : "cannot attach to a stopped container: container is not running");
    }
    const opts = streamOptions(req);
    if (!opts.stdin && !opts.stdout && !opts.stderr) return refuse(socket, 400, "you must specify at least 1 of stdin, stdout, stderr");
    if (kind === "exec" && opts.command.length === 0) return refuse(socket, 400, "you must specify at least one command for the container");
    const start = (): ExecProcess => kind === "exec"
      ? runtime.exec(target.containerId!, opts.command, { tty: opts.tty, stdin: opts.stdin })
      : runtime.attach ? runtime.attach(target.containerId!, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, tty: opts.tty })
      : attachProcess(target.logPath!, { fromStart: target.attachFromStart === true, tty: target.tty === true, input: opts.stdin ? runtime.attachInput?.(target.containerId!) : undefined }, () => this.source.running(target.containerId!));
    // Started once the client's channels are open, so no output is lost.
    const run = (channels: CommandChannels) => {
      let proc: ExecProcess;
      try {
        proc = start();
      } catch (err) {
        return channels.finish(err as Error);
      }
      void runCommand(channels, proc);
    };
    if (websocket) {
      const chosen = WEBSOCKET_PROTOCOLS.find((p) => offered.includes(p)) ?? (offered.length === 0 ? "" : undefined);
      if (chosen === undefined) return refuse(socket, 400, negotiationError(offered, WEBSOCKET_PROTOCOLS));
      return this.accept(req, socket, head, chosen, (ws) => run(websocketChannels(ws, opts)));
    }
    const version = offered.length === 0 ? "" : SPDY_COMMAND_PROTOCOLS.find((p) => offered.includes(p));
    if (version === undefined) return refuse(socket, 403, negotiationError(offered, SPDY_COMMAND_PROTOCOLS));
    upgradeSpdy(socket, version);
    const session = new SpdySession(socket, { server: true });
    spdyCommandStreams(session, { ...opts, resize: version !== "v2.channel.k8s.io" && version !== "channel.k8s.io" }, STREAM_CREATION_TIMEOUT_MS).then(
      (streams) => run(spdyChannels(session, socket, streams, version)),
      () => {
        session.close();
        socket.destroy();
      },
    );
  }

  /** An idle session (nothing read or written for the timeout) is closed, and with it what it started. */
  private closeWhenIdle(socket: Duplex): void {
    if (socket instanceof Socket) socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
  }

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, serve: (ws: WebSocket) => void): void {
    const wss = new WebSocketServer({ noServer: true, handleProtocols: () => protocol || false });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", () => undefined);
      // ws turns the socket's timeout off as it upgrades: on again for the session.
      this.closeWhenIdle(socket);
      serve(ws);
    });
  }
}

function offeredProtocols(req: IncomingMessage, websocket: boolean): string[] {
  const raw = websocket ? req.headers["sec-websocket-protocol"] : req.headers["x-stream-protocol-version"];
  return (Array.isArray(raw) ? raw.join(",") : raw ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

function negotiationError(offered: string[], served: string[]): string {
  return `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(served)}`;
}

function upgradeSpdy(socket: Duplex, version: string): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${version ? `X-Stream-Protocol-Version: ${version}\r\n` : ""}\r\n`);
}

/** Answers an upgrade request with an error Status and closes the connection. */
function refuse(socket: Duplex, code: number, message: string): void {
  const reason = code === 404 ? "NotFound" : code === 403 ? "Forbidden" : "BadRequest";
  const body = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
  const text = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found" }[code as 400 | 403 | 404] ?? "Error";
  socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
