import type { Duplex } from "node:stream";
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
 * The returned Duplex is the data stream; its connection is closed once it has closed.
 */

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";

/** Bounds what the error stream may hold. */
const MAX_ERROR_TEXT = 64 * 1024;

export async function forwardedConnection(url: string, port: number): Promise<Duplex> {
  const { session, socket } = await dialStreamingServer(url, PORT_FORWARD_PROTOCOL);
  const headers = (type: string) => ({ streamtype: [type], port: [String(port)], requestid: ["0"] });
  try {
    const error = await session.open(headers("error"));
    // This side writes nothing on the error stream.
    error.end();
    const data = await session.open(headers("data"));
    let text = "";
    error.on("error", () => undefined);
    error.on("data", (d: Buffer) => {
      if (text.length < MAX_ERROR_TEXT) text += d.toString("utf8");
    });
    // The server writes its error before it closes the data stream: the data stream fails with it.
    error.once("end", () => {
      if (text.trim() && !data.destroyed) data.destroy(new ForwardError(text.trim()));
    });
    const done = () => {
      session.close();
      socket.destroy();
    };
    data.once("close", done);
    session.once("close", () => {
      if (!data.destroyed) data.destroy();
    });
    return data;
  } catch (err) {
    session.close();
    socket.destroy();
    throw err;
  }
}
