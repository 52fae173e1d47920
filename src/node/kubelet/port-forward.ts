import type { Duplex } from "node:stream";
import { WebSocket, type RawData } from "ws";
import type { SpdySession, SpdyStream } from "../../api/spdy/session.js";
import { header } from "./remote-command.js";
import { ForwardError } from "../runtime/runtime.js";

/** Dials a port of the pod (inside its network namespace). */
export type Dial = (port: number) => Promise<Duplex>;

/** How long a SPDY port-forward request may wait for its second stream (upstream: streamCreationTimeout). */
const PAIR_TIMEOUT_MS = 30_000;

/**
 * Port-forward over SPDY (`portforward.k8s.io`), as the kubelet serves it: for each local connection the
 * client opens an error stream and a data stream carrying the same `requestID` and the `port`; once both
 * are open the port is dialled and the data stream spliced to it. A failure is written as text on the
 * error stream ("error forwarding port 80 to pod …"); both streams end when the connection does.
 * `podName` names the pod in those messages. Returns when the session ends (every connection closed).
 */
export function servePortForwardSpdy(session: SpdySession, dial: Dial, podName: string): void {
  const pending = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  const open = new Set<Duplex>();
  session.on("stream", (stream: SpdyStream) => {
    stream.on("error", () => undefined);
    const type = header(stream.headers, "streamtype");
    // Clients older than 1.4 sent no requestID: the pair is an error stream and the data stream after it.
    const id = header(stream.headers, "requestid") || String(type === "error" ? stream.id : stream.id - 2);
    if (type !== "data" && type !== "error") return void stream.reset();
    void stream.reply();
    let entry = pending.get(id);
    if (!entry) {
      const timer = setTimeout(() => {
        const e = pending.get(id);
        pending.delete(id);
        e?.error?.end(`timed out waiting for the data stream of request ${id}`);
        e?.data?.reset();
      }, PAIR_TIMEOUT_MS);
      timer.unref();
      entry = { timer };
      pending.set(id, entry);
    }
    entry[type] = stream;
    if (!entry.data || !entry.error) return;
    clearTimeout(entry.timer);
    pending.delete(id);
    const { data, error } = entry;
    const portText = header(data.headers, "port");
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      error.end(`invalid port: "${portText}"`);
      return void data.end();
    }
    void dial(port).then((conn) => {
      open.add(conn);
      splice(data, conn, (err) => {
        open.delete(conn);
        // The runtime's words about a connection it could not make or keep (the CRI streaming server's).
        error.end(err instanceof ForwardError ? err.message : undefined);
      });
    }, (err: Error) => {
      error.end(`error forwarding port ${port} to pod ${podName}: ${err.message}`);
      data.end();
    });
  });
  session.once("close", () => {
    for (const conn of open) conn.destroy();
    for (const e of pending.values()) clearTimeout(e.timer);
  });
}

/** Copies both ways until both directions ended (or either side failed), then calls `done` once, with the pod side's failure. */
function splice(stream: Duplex, conn: Duplex, done: (err?: Error) => void): void {
  let ends = 0;
  let called = false;
  const finish = (err?: Error) => {
    if (called) return;
    called = true;
    conn.destroy();
    done(err);
  };
  const ended = () => {
    if (++ends === 2) finish();
  };
  stream.pipe(conn);
  conn.pipe(stream);
  stream.once("end", ended);
  conn.once("end", ended);
  conn.once("error", (err) => {
    stream.end();
    finish(err);
  });
  conn.once("close", () => {
    stream.end();
    finish();
  });
  stream.once("close", finish);
}

/**
 * Port-forward over a WebSocket (the kubelet's `portforward.k8s.io`/`v4.channel.k8s.io` protocol, used by
 * client libraries): `?ports=80,8080`; port i has data channel 2i and error channel 2i+1, each of which
 * first carries the port number (two bytes, little-endian). One connection per port; the WebSocket closes
 * when all of them have ended.
 */
export function servePortForwardWebsocket(ws: WebSocket, ports: number[], dial: Dial, podName: string): void {
  const conns: Array<Duplex | undefined> = [];
  const early: Buffer[][] = ports.map(() => []);
  let remaining = ports.length;
  const send = (channel: number, data: Buffer, sent?: () => void) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), () => sent?.());
    else sent?.();
  };
  const closed = () => {
    if (--remaining === 0 && ws.readyState === WebSocket.OPEN) ws.close(1000);
  };
  ws.on("message", (raw: RawData) => {
    const msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (msg.length === 0 || msg[0]! % 2 !== 0) return;
    const i = msg[0]! / 2;
    const conn = conns[i];
    if (conn) conn.write(msg.subarray(1));
    else early[i]?.push(msg.subarray(1));
  });
  ws.once("close", () => conns.forEach((c) => c?.destroy()));
  ports.forEach((port, i) => {
    const number = Buffer.alloc(2);
    number.writeUInt16LE(port);
    send(2 * i, number);
    send(2 * i + 1, number);
    void dial(port).then((conn) => {
      conns[i] = conn;
      for (const chunk of early[i]!) conn.write(chunk);
      early[i] = [];
      // The pod's side is paused while more than a megabyte waits for the client.
      let outstanding = 0;
      conn.on("data", (d: Buffer) => {
        outstanding += d.length;
        if (outstanding > 1 << 20) conn.pause();
        send(2 * i, d, () => {
          outstanding -= d.length;
          if (outstanding <= 1 << 19) conn.resume();
        });
      });
      conn.on("error", (err) => {
        if (err instanceof ForwardError) send(2 * i + 1, Buffer.from(err.message));
      });
      // The pod's side ended (a Duplex whose writing side stays open emits "end" but no "close").
      let once = false;
      const ended = () => {
        if (!once) closed();
        once = true;
      };
      conn.once("end", ended);
      conn.once("close", ended);
    }, (err: Error) => {
      send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${podName}: ${err.message}`));
      closed();
    });
  });
}
