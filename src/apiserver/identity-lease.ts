import { createHash, randomUUID } from "node:crypto";
import { isNotFound } from "../api/errors.js";
import { parseSelector } from "../api/labels.js";
import { formatMicroTime } from "../api/meta.js";
import type { KubeObject } from "../api/types.js";
import type { Clock, RestStore } from "./registry/rest.js";

/** The label that marks an API server identity Lease, and its value for kube-apiserver. */
export const IDENTITY_LEASE_LABEL = "apiserver.kubernetes.io/identity";
export const KUBE_APISERVER = "kube-apiserver";
/** Upstream's IdentityLeaseDurationSeconds, IdentityLeaseRenewIntervalPeriod and IdentityLeaseGCPeriod. */
export const IDENTITY_LEASE_DURATION_SECONDS = 3600;
export const IDENTITY_LEASE_RENEW_MS = 10_000;
export const IDENTITY_LEASE_GC_MS = 3600_000;

/** RFC 4648 base32 without padding, as Go's base32.StdEncoding.WithPadding(NoPadding). */
function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** A uint16 length, then the bytes (cryptobyte's AddUint16LengthPrefixed). */
function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The identity Lease name kube-apiserver 1.32 takes on `hostname`: apiserver-<base32 of sha256(host, component)[:16]>. */
export function apiServerIdentity(hostname: string): string {
  const hash = createHash("sha256").update(Buffer.concat([lengthPrefixed(hostname), lengthPrefixed(KUBE_APISERVER)])).digest();
  return `apiserver-${base32(hash.subarray(0, 16)).toLowerCase()}`;
}

/**
 * The APIServerIdentity feature (beta, on since 1.26): each API server keeps a Lease
 * `kube-system/apiserver-<hash of its hostname>` labelled `apiserver.kubernetes.io/identity=kube-apiserver`
 * and `kubernetes.io/hostname`, holder `<name>_<uuid>` (a new uuid per process), renewed every 10 s with
 * a one-hour duration; every API server deletes identity Leases in kube-system that expired (hourly).
 * `kubectl -n kube-system get lease -l apiserver.kubernetes.io/identity=kube-apiserver` lists the API servers.
 */
export class IdentityLease {
  readonly name: string;
  readonly holder: string;
  private timers: Array<ReturnType<typeof setInterval>> = [];

  constructor(private readonly leases: RestStore, private readonly opts: { hostname: string; clock: Clock; log?: (entry: Record<string, unknown>) => void }) {
    this.name = apiServerIdentity(opts.hostname);
    this.holder = `${this.name}_${randomUUID()}`;
  }

  /** Creates or renews this server's Lease (taking it over from an earlier process on the same host). */
  async renew(): Promise<void> {
    const now = formatMicroTime(this.opts.clock.now());
    const lease = (acquireTime: string): KubeObject => ({
      apiVersion: "coordination.k8s.io/v1", kind: "Lease",
      metadata: { name: this.name, namespace: "kube-system", labels: { [IDENTITY_LEASE_LABEL]: KUBE_APISERVER, "kubernetes.io/hostname": this.opts.hostname } },
      spec: { holderIdentity: this.holder, leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS, acquireTime, renewTime: now },
    });
    try {
      await this.leases.guaranteedUpdate("kube-system", this.name, {}, (cur) => {
        const spec = (cur.spec ?? {}) as { holderIdentity?: string; acquireTime?: string };
        const next = lease(spec.holderIdentity === this.holder ? spec.acquireTime ?? now : now);
        return { ...next, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...next.metadata.labels } } };
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.leases.create("kube-system", lease(now));
    }
  }

  /** Deletes identity Leases in kube-system whose renewTime + duration has passed. Returns their names. */
  async collectExpired(): Promise<string[]> {
    const now = this.opts.clock.now();
    const list = await this.leases.list("kube-system", { labels: parseSelector(`${IDENTITY_LEASE_LABEL}=${KUBE_APISERVER}`), fields: [], limit: 0 });
    const gone: string[] = [];
    for (const lease of list.items) {
      const spec = (lease.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
      if (!spec.renewTime || Date.parse(spec.renewTime) + (spec.leaseDurationSeconds ?? 0) * 1000 >= now) continue;
      try {
        await this.leases.removeNow("kube-system", lease.metadata.name!, Number(lease.metadata.resourceVersion));
        gone.push(lease.metadata.name!);
      } catch {
        // Renewed or deleted meanwhile: not ours to collect.
      }
    }
    return gone;
  }

  /** Renews every 10 s and collects hourly until {@link stop}; failures are logged and tried again next time. */
  start(): void {
    const log = (msg: string) => (err: unknown) => this.opts.log?.({ level: "error", msg, lease: `kube-system/${this.name}`, err: String(err) });
    this.timers = [
      setInterval(() => void this.renew().catch(log("Renewing the API server identity lease failed")), IDENTITY_LEASE_RENEW_MS),
      setInterval(() => void this.collectExpired().catch(log("Collecting expired API server identity leases failed")), IDENTITY_LEASE_GC_MS),
    ];
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }
}
