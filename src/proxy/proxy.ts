import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { Histogram, type Registry } from "prom-client";
import { SERVICE_NAME_LABEL, TRIGGER_TIME_ANNOTATION as TRIGGER_TIME } from "../api/discovery.js";
import { realClock, type Clock } from "../client/clock.js";
import { ENDPOINTSLICES, SERVICES } from "../client/resources.js";
import type { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { ClusterDns } from "./dns/server.js";
import { ServiceAddresses } from "./service-addresses.js";
import { buildTable } from "./table.js";
import { TcpFrontend, type ProxyLog } from "./tcp-frontend.js";
import { UdpFrontend } from "./udp-frontend.js";

/** Like kube-proxy's --iptables-sync-period: a full pass now and then retries what failed (an address in use). */
const RESYNC_MS = 30_000;

export interface ServiceProxyOptions {
  /** Informers shared with other components of the process (their owner runs them); own ones otherwise. */
  informers?: SharedInformers;
  /** Serve cluster IPs: put them on the host (root only) and listen on them. Node ports are always served. */
  clusterIPs: boolean;
  /** The cluster's service range, when known: addresses in it that no service wants are cleared from the host. */
  serviceCIDR?: string;
  /**
   * Also answer cluster DNS on this address (the kube-dns Service's cluster IP), as a node-local DNS:
   * its service ports are served here, not relayed. Needs `clusterIPs`.
   */
  dns?: { ip: string; domain: string };
  /** Where kube-proxy's network programming latency histogram is registered. */
  registry?: Registry;
  clock?: Clock;
  log?: ProxyLog;
}

/**
 * The service proxy (kube-proxy's role, in user space): watches Services and EndpointSlices and keeps one
 * listener per cluster IP port and node port (TCP and UDP; SCTP is refused), each relaying new
 * connections (UDP: new flows) to the ready endpoints. Every
 * change reprograms it at once (changes arriving together are applied in one pass).
 */
export class ServiceProxy {
  private readonly informers: SharedInformers;
  private readonly frontends = new Map<string, TcpFrontend | UdpFrontend>();
  private readonly addresses: ServiceAddresses;
  private readonly clock: Clock;
  private readonly log: ProxyLog;
  private readonly latency?: Histogram;
  /** The trigger time of each slice already counted in the latency histogram. */
  private readonly counted = new Map<string, string>();
  /** Frontends that could not listen, and why (logged once each). */
  private readonly refused = new Map<string, string>();
  /** The first pass only notes trigger times: changes from before the proxy started are not its latency. */
  private primed = false;
  private syncing: Promise<void> | undefined;
  private dns: ClusterDns | undefined;
  private dirty = false;
  private stopped = false;

  constructor(private readonly client: RestClient, private readonly opts: ServiceProxyOptions) {
    this.informers = opts.informers ?? new SharedInformers(client);
    this.addresses = new ServiceAddresses(opts.serviceCIDR);
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? (() => {});
    if (opts.registry) {
      this.latency = new Histogram({
        name: "kubeproxy_network_programming_duration_seconds", registers: [opts.registry],
        help: "From the endpoints change (the slice's last-change-trigger-time) to the proxy serving it.",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const services = this.informers.for(SERVICES);
    const slices = this.informers.for(ENDPOINTSLICES);
    const changed = () => this.requestSync();
    for (const inf of [services, slices]) inf.on({ add: changed, update: changed, delete: changed });
    const own = this.opts.informers ? undefined : this.informers.run(signal);
    await Promise.all([services.waitForSync(), slices.waitForSync()]);
    this.requestSync();
    const resync = setInterval(() => this.requestSync(), RESYNC_MS);
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    clearInterval(resync);
    this.stopped = true;
    await this.syncing;
    this.dns?.close();
    for (const f of this.frontends.values()) f.destroy();
    this.frontends.clear();
    await own;
  }

  /** Applies the newest state; a request during a pass runs one more pass after it. */
  private requestSync(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    this.syncing = (async () => {
      do {
        this.dirty = false;
        await this.sync().catch((err: unknown) => this.log({ level: "error", msg: "Proxy sync failed", err: String(err) }));
      } while (this.dirty && !this.stopped);
      this.syncing = undefined;
    })();
  }

  private async sync(): Promise<void> {
    const services = this.informers.for(SERVICES).lister().list() as unknown as Service[];
    const slices = this.informers.for(ENDPOINTSLICES).lister().list() as unknown as EndpointSlice[];
    const dnsIP = this.opts.clusterIPs ? this.opts.dns?.ip : undefined;
    const wanted = buildTable(services, slices).filter((f) => {
      if (f.ip === dnsIP || (!this.opts.clusterIPs && f.ip !== "0.0.0.0")) return false;
      if (f.protocol === "TCP" || f.protocol === "UDP") return true;
      this.refuse(f.key, `${f.protocol} is not proxied`);
      return false;
    });
    if (this.opts.clusterIPs) {
      const ips = new Set(wanted.filter((f) => f.ip !== "0.0.0.0").map((f) => f.ip));
      if (dnsIP) ips.add(dnsIP);
      await this.addresses.sync(ips);
      await this.startDns();
    }
    const keep = new Set(wanted.map((f) => f.key));
    for (const [key, f] of this.frontends) {
      if (keep.has(key)) continue;
      f.close();
      this.frontends.delete(key);
    }
    // Existing frontends take their new backends at once; only new ones wait to listen.
    const fresh = wanted.filter((f) => {
      const existing = this.frontends.get(f.key);
      existing?.update(f);
      return !existing;
    });
    await Promise.all(fresh.map(async (f) => {
      const frontend = f.protocol === "UDP" ? new UdpFrontend(f, this.log) : new TcpFrontend(f, this.log);
      try {
        await frontend.listen();
        this.frontends.set(f.key, frontend);
        this.refused.delete(f.key);
      } catch (err) {
        this.refuse(f.key, String(err));
      }
    }));
    this.observeLatency(slices);
  }

  /** Starts answering cluster DNS once its address is on the host (retried on the next pass if it fails). */
  private async startDns(): Promise<void> {
    const opts = this.opts.dns;
    if (!opts || this.dns) return;
    const services = this.informers.for(SERVICES).lister();
    const slices = this.informers.for(ENDPOINTSLICES).lister();
    const dns = new ClusterDns({
      ip: opts.ip, domain: opts.domain, log: this.log,
      view: {
        service: (ns, name) => services.get(ns, name) as unknown as Service | undefined,
        slices: (ns, name) => slices.list(ns, `${SERVICE_NAME_LABEL}=${name}`) as unknown as EndpointSlice[],
        hasNamespace: (ns) => services.list(ns).length > 0,
        allServices: () => services.list() as unknown as Service[],
        allSlices: () => slices.list() as unknown as EndpointSlice[],
      },
    });
    try {
      await dns.listen();
      this.dns = dns;
      this.log({ level: "info", msg: "Serving cluster DNS", address: `${opts.ip}:53`, domain: opts.domain });
    } catch (err) {
      dns.close();
      this.refuse(`${opts.ip}:53/DNS`, String(err));
    }
  }

  private refuse(key: string, reason: string): void {
    if (this.refused.get(key) === reason) return;
    this.refused.set(key, reason);
    this.log({ level: "warning", msg: "Proxy frontend not served", frontend: key, reason });
  }

  private observeLatency(slices: readonly EndpointSlice[]): void {
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const s of slices) {
      const key = `${s.metadata!.namespace}/${s.metadata!.name}`;
      seen.add(key);
      const trigger = s.metadata?.annotations?.[TRIGGER_TIME];
      if (!trigger || this.counted.get(key) === trigger) continue;
      this.counted.set(key, trigger);
      if (this.primed) this.latency?.observe(Math.max(0, now - Date.parse(trigger)) / 1000);
    }
    for (const key of this.counted.keys()) if (!seen.has(key)) this.counted.delete(key);
    this.primed = true;
  }
}
