import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { Balancer, backendKey } from "./balancer.js";
import type { Backend, Frontend } from "./table.js";
import type { ProxyLog } from "./tcp-frontend.js";

/**
 * How long a UDP flow lives without a datagram either way: the kernel's conntrack UDP timeout for a
 * flow that has seen replies (nf_conntrack_udp_timeout_stream is 120 s; 30 s for one-sided flows — this
 * proxy cannot tell them apart cheaply and keeps the shorter).
 */
export const UDP_FLOW_IDLE_MS = 30_000;
/** Flows a frontend keeps at most; a new client past it replaces the least recently active one. */
const MAX_FLOWS = 4_096;

interface Flow {
  /** The socket that talks to the backend for this client, connected to it: its replies come back through it. */
  socket: Socket;
  backend: Backend;
  timer: NodeJS.Timeout;
  /** Datagrams that arrived before the socket was connected. */
  pending: Buffer[] | undefined;
}

/**
 * One UDP frontend of the user-space proxy. UDP has no connections, so each client address (ip:port) gets
 * a flow, as conntrack keeps one: its first datagram picks a backend (round robin, client IP affinity),
 * later ones go to the same backend through the flow's own socket, and the backend's replies are sent
 * back to the client from the service's address. A flow ends after UDP_FLOW_IDLE_MS without traffic, or
 * when its backend leaves the endpoints. With no backends, datagrams are dropped.
 */
export class UdpFrontend {
  private readonly socket: Socket;
  private readonly balancer: Balancer;
  private readonly flows = new Map<string, Flow>();

  constructor(readonly frontend: Frontend, private readonly log: ProxyLog, now?: () => number) {
    this.balancer = new Balancer(frontend, now);
    this.socket = createSocket({ type: "udp4", reuseAddr: false });
    this.socket.on("message", (msg, from) => this.receive(msg, from));
  }

  /** Starts receiving; resolves to the bound port; rejects with the socket error (EADDRINUSE). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once("error", reject);
      this.socket.bind(this.frontend.port, this.frontend.ip, () => {
        this.socket.off("error", reject);
        this.socket.on("error", (err) => this.log({ level: "warning", msg: "Proxy frontend error", frontend: this.frontend.key, err: String(err) }));
        resolve(this.socket.address().port);
      });
    });
  }

  /** Takes the service's current backends and session affinity. */
  update(frontend: Pick<Frontend, "backends" | "affinityTimeoutSeconds">): void {
    this.balancer.update(frontend);
    const backends = frontend.backends;
    const current = new Set(backends.map(backendKey));
    for (const [client, flow] of this.flows) if (!current.has(backendKey(flow.backend))) this.end(client, flow);
  }

  /** Stops receiving; flows end with it (UDP has nothing to drain). */
  close(): void {
    this.destroy();
  }

  destroy(): void {
    for (const [client, flow] of this.flows) this.end(client, flow);
    this.socket.close();
  }

  private receive(msg: Buffer, from: RemoteInfo): void {
    const client = `${from.address}:${from.port}`;
    let flow = this.flows.get(client);
    if (flow) {
      // Re-inserted: the map stays in least-recently-active order.
      this.flows.delete(client);
      this.flows.set(client, flow);
      flow.timer.refresh();
    } else {
      const backend = this.balancer.candidates(from.address)[0];
      if (!backend) return;
      flow = this.open(client, from, backend);
    }
    if (flow.pending) flow.pending.push(msg);
    else flow.socket.send(msg);
  }

  private open(client: string, from: RemoteInfo, backend: Backend): Flow {
    if (this.flows.size >= MAX_FLOWS) {
      const [oldest, flow] = this.flows.entries().next().value!;
      this.end(oldest, flow);
    }
    const socket = createSocket("udp4");
    const flow: Flow = { socket, backend, timer: setTimeout(() => this.end(client, flow), UDP_FLOW_IDLE_MS), pending: [] };
    flow.timer.unref();
    socket.connect(backend.port, backend.ip, () => {
      if (this.flows.get(client) !== flow) return;
      for (const msg of flow.pending ?? []) socket.send(msg);
      flow.pending = undefined;
    });
    socket.on("message", (reply) => {
      flow.timer.refresh();
      this.socket.send(reply, from.port, from.address);
    });
    // An ICMP port unreachable from a backend that is gone: forget it for a while, the next datagram rebalances.
    socket.on("error", () => {
      this.balancer.refused(backend);
      this.end(client, flow);
    });
    this.flows.set(client, flow);
    this.balancer.accepted(from.address, backend);
    return flow;
  }

  private end(client: string, flow: Flow): void {
    if (this.flows.get(client) !== flow) return;
    this.flows.delete(client);
    clearTimeout(flow.timer);
    flow.socket.close();
  }
}
