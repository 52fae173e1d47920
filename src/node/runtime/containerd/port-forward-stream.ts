import { Duplex } from "node:stream";
import type { SpdyStream } from "../../../api/spdy/session.js";
import { ForwardError } from "../runtime.js";
import { dialStreamingServer } from "./spdy-dial.js";

/**
 * One forwarded connection through the CRI streaming server (the URL a PortForward call returns), as
 * client-go's port-forwarder opens it: `portforward.k8s.io` over SPDY/3.1, an error stream and a data
 * stream with the same `requestID` and the `port`. containerd dials `port` on localhost inside the
 * sandbox's network namespace, so a server bound to the pod's loopback only is reached, and splices the
 * data stream to it; what goes wrong it writes on the error stream ("failed to connect to localhost:81
 * inside namespace …"), which the returned stream reports as a ForwardError.
 *
 * The returned Duplex carries the data stream; its connection is closed once the Duplex is.
 */

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";

/** Bounds what the error stream may hold. */
const MAX_ERROR_TEXT = 64 * 1024;

export async function forwardedConnection(url: string, port: number): Promise<Duplex> {
  const { session, socket } = await dialStreamingServer(url, PORT_FORWARD_PROTOCOL);
  const headers = (type: string) => ({ streamtype: [type], port: [String(port)], requestid: ["0"] });
  let error: SpdyStream, data: SpdyStream;
  try {
    error = await session.open(headers("error"));
    // This side writes nothing on the error stream.
    error.end();
    data = await session.open(headers("data"));
  } catch (err) {
    session.close();
    socket.destroy();
    throw err;
  }
  const close = () => {
    session.close();
    socket.destroy();
  };
  // The server's frames of the two streams may come in either order: the connection ends once both
  // have, failing with the error stream's words when it had any.
  const conn = new Duplex({
    allowHalfOpen: true,
    read: () => void data.resume(),
    write: (chunk: Buffer, _enc, done) => void data.write(chunk, (err) => done(err)),
    final: (done) => {
      data.end();
      done();
    },
    destroy: (err, done) => {
      close();
      done(err);
    },
  });
  let text = "";
  let ends = 0;
  const ended = () => {
    if (++ends < 2) return;
    if (text.trim()) conn.destroy(new ForwardError(text.trim()));
    else conn.push(null);
  };
  error.on("data", (d: Buffer) => {
    if (text.length < MAX_ERROR_TEXT) text += d.toString("utf8");
  });
  data.on("data", (d: Buffer) => {
    if (!conn.push(d)) data.pause();
  });
  for (const s of [error, data]) {
    s.on("error", () => undefined);
    s.once("end", ended);
  }
  // The server went away before both streams ended.
  session.once("close", () => {
    if (ends < 2 && !conn.destroyed) conn.destroy(text.trim() ? new ForwardError(text.trim()) : undefined);
  });
  conn.once("close", close);
  return conn;
}
