import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { timingSafeEqual, createHash } from "node:crypto";
import type { RestClient } from "../../client/rest.js";
import type { Clock } from "../../client/clock.js";
import { bearerToken } from "../../api/bearer.js";

/** Who sent a request to the node agent, as the API server's reviews describe users. */
export interface Requester {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What the node agent asks the API server (upstream's webhook authentication and authorization). */
export interface Reviews {
  /** TokenReview: the token's user, or undefined when it authenticates no one. */
  token(token: string): Promise<Requester | undefined>;
  /** SubjectAccessReview on the node's resource. */
  access(user: Requester, attrs: { verb: string; resource: string; subresource: string; name: string }): Promise<boolean>;
}

export interface KubeletAuthOptions {
  nodeName: string;
  /** Client certificates signed by this CA authenticate as their CN, in their O groups. */
  clientCA?: string;
  /** Bearer tokens and every authorization decision go to the API server. */
  reviews?: Reviews;
  /** A bearer token accepted as the API server's own (the pre-certificate arrangement; needs no review). */
  token?: string;
  clock?: Clock;
}

export type AuthResult = { ok: true; user: Requester } | { ok: false; code: 401 | 403; message: string };

const ALLOWED_TTL_MS = 5 * 60_000;
const DENIED_TTL_MS = 30_000;
const TOKEN_TTL_MS = 2 * 60_000;

/**
 * The node agent's authentication and authorization (upstream kubelet's --authentication-token-webhook,
 * --client-ca-file and --authorization-mode=Webhook): a client certificate from the cluster CA or a
 * bearer token the API server vouches for (TokenReview); then a SubjectAccessReview on
 * `nodes/<subresource>` of this node, verb from the HTTP method. Answers are cached as upstream caches
 * them (allowed 5 min, denied 30 s, tokens 2 min).
 */
export class KubeletAuth {
  private readonly decisions = new Map<string, { allowed: boolean; until: number }>();
  private readonly tokens = new Map<string, { user: Requester | undefined; until: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: KubeletAuthOptions) {
    this.now = () => (opts.clock ?? { now: () => Date.now() }).now();
  }

  /** The TLS server options client certificates need. */
  tlsOptions(): { requestCert: boolean; rejectUnauthorized: boolean; ca?: string } {
    return this.opts.clientCA ? { requestCert: true, rejectUnauthorized: false, ca: this.opts.clientCA } : { requestCert: false, rejectUnauthorized: false };
  }

  async check(req: IncomingMessage, path: string): Promise<AuthResult> {
    const user = await this.authenticate(req);
    if (!user) return { ok: false, code: 401, message: "Unauthorized" };
    if (!this.opts.reviews) return { ok: true, user };
    const attrs = requestAttributes(req.method ?? "GET", path, this.opts.nodeName);
    const key = JSON.stringify([user.name, user.groups, attrs]);
    let cached = this.decisions.get(key);
    if (!cached || cached.until <= this.now()) {
      const allowed = await this.opts.reviews.access(user, attrs);
      cached = { allowed, until: this.now() + (allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS) };
      if (this.decisions.size > 10_000) this.decisions.clear();
      this.decisions.set(key, cached);
    }
    if (cached.allowed) return { ok: true, user };
    return { ok: false, code: 403, message: `Forbidden (user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})` };
  }

  private async authenticate(req: IncomingMessage): Promise<Requester | undefined> {
    const socket = req.socket as Partial<TLSSocket>;
    if (this.opts.clientCA && socket.authorized && typeof socket.getPeerCertificate === "function") {
      const cert = socket.getPeerCertificate();
      const cn = cert.subject?.CN;
      if (typeof cn === "string" && cn !== "") {
        const o = cert.subject?.O;
        return { name: cn, groups: [...(o === undefined ? [] : Array.isArray(o) ? o : [o]), "system:authenticated"] };
      }
    }
    const token = bearerToken(req.headers.authorization);
    if (!token) return undefined;
    if (this.opts.token !== undefined && sameSecret(token, this.opts.token)) return { name: "system:apiserver", groups: ["system:masters", "system:authenticated"] };
    if (!this.opts.reviews) return undefined;
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.tokens.get(key);
    if (cached && cached.until > this.now()) return cached.user;
    const user = await this.opts.reviews.token(token);
    if (this.tokens.size > 10_000) this.tokens.clear();
    this.tokens.set(key, { user, until: this.now() + TOKEN_TTL_MS });
    return user;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

const VERBS: Record<string, string> = { GET: "get", HEAD: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };

/** Upstream kubelet's request attributes: `nodes/<subresource>` of this node, by path. */
export function requestAttributes(method: string, path: string, nodeName: string): { verb: string; resource: string; subresource: string; name: string } {
  const subresource = path.startsWith("/stats") ? "stats" : path.startsWith("/metrics") ? "metrics" : path.startsWith("/logs") ? "log" : path.startsWith("/spec") ? "spec" : "proxy";
  return { verb: VERBS[method.toUpperCase()] ?? "get", resource: "nodes", subresource, name: nodeName };
}

/** Reviews through the API (the node may create TokenReviews and SubjectAccessReviews). */
export function apiReviews(client: RestClient): Reviews {
  return {
    async token(token) {
      const review = await client.request<{ status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } } }>(
        "POST", "/apis/authentication.k8s.io/v1/tokenreviews", { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } } },
      );
      const u = review.status?.user;
      return review.status?.authenticated && u?.username ? { name: u.username, uid: u.uid, groups: u.groups ?? [], extra: u.extra } : undefined;
    },
    async access(user, attrs) {
      const review = await client.request<{ status?: { allowed?: boolean } }>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
        body: {
          apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview",
          spec: { user: user.name, uid: user.uid, groups: user.groups, extra: user.extra, resourceAttributes: { group: "", version: "v1", ...attrs } },
        },
      });
      return review.status?.allowed === true;
    },
  };
}
