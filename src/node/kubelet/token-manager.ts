import type { Clock } from "../../client/clock.js";
import type { TokenRequestSpec } from "./volumes/index.js";

/** What a TokenRequest answers: the token and when it expires. */
export interface IssuedToken {
  token: string;
  /** RFC 3339, as status.expirationTimestamp. */
  expirationTimestamp: string;
}

/** Upstream's maxTTL: a token is renewed after a day even when it lives longer. */
const MAX_TTL_MS = 24 * 3600_000;
/** Upstream's maxJitter: renewals spread over up to 10 s. */
const MAX_JITTER_MS = 10_000;

/**
 * The kubelet's token manager (pkg/kubelet/token): a projected serviceAccountToken is requested once and
 * reused until it is within 20% of its lifetime of expiring (or a day old), so rewriting a running pod's
 * volume on every sync doesn't mint a new token each time.
 *
 * Worked example: expirationSeconds 3600 issued at 12:00 expires 13:00; it is reused until 12:48 (13:00
 * minus 20% of an hour, minus up to 10 s of jitter), then renewed.
 */
export class TokenManager {
  private readonly cache = new Map<string, { issued: IssuedToken; spec: TokenRequestSpec }>();

  constructor(
    private readonly request: (namespace: string, serviceAccount: string, spec: TokenRequestSpec) => Promise<IssuedToken>,
    private readonly clock: Clock,
    private readonly jitter: () => number = () => Math.random() * MAX_JITTER_MS,
  ) {}

  async token(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string> {
    const key = JSON.stringify([namespace, serviceAccount, spec.audiences ?? [], spec.expirationSeconds, spec.boundObjectRef.uid]);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached.issued, cached.spec)) return cached.issued.token;
    const issued = await this.request(namespace, serviceAccount, spec);
    this.cache.set(key, { issued, spec });
    return issued.token;
  }

  /** Forgets the tokens bound to a pod that is gone. */
  forgetPod(uid: string): void {
    for (const [key, { spec }] of this.cache) if (spec.boundObjectRef.uid === uid) this.cache.delete(key);
  }

  private requiresRefresh(issued: IssuedToken, spec: TokenRequestSpec): boolean {
    const exp = Date.parse(issued.expirationTimestamp);
    if (Number.isNaN(exp)) return true;
    const ttl = spec.expirationSeconds * 1000;
    const now = this.clock.now();
    const jitter = this.jitter();
    if (now > exp - ttl + MAX_TTL_MS - jitter) return true;
    return now > exp - ttl / 5 - jitter;
  }
}
