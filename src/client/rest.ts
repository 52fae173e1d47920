import { Pool, type Dispatcher } from "undici";
import { StatusError, type Status } from "../api/errors.js";
import type { Transport, TransportResponse } from "../api/transport.js";
import type { KubeObject } from "../api/types.js";
import { loadKubeconfig } from "./kubeconfig.js";

export { loadKubeconfig, KubeconfigError } from "./kubeconfig.js";

/** Which resource a call is about, as discovery names it. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

export interface ClientConfig {
  server: string;
  /**
   * Every API server this client may use, `server` among them (several API servers without a load
   * balancer in front): requests go to one at a time, and move to the next when it can't be reached.
   */
  servers?: string[];
  /** Reach the server in-process instead of over HTTP (given by the composition root). */
  transport?: Transport;
  token?: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string;
  /** A client certificate and its key (PEM) to authenticate with. */
  cert?: string;
  key?: string;
  /** Don't check the server's certificate (a kubeconfig's insecure-skip-tls-verify). */
  insecureSkipTLSVerify?: boolean;
  /** The name the server's certificate is checked against, when not the server URL's host (tls-server-name). */
  tlsServerName?: string;
  userAgent?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export type PatchType = "strategic" | "merge" | "json";

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  strategic: "application/strategic-merge-patch+json",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
};

export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let path = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${ref.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

/**
 * A client for the Kubernetes REST API (ours or a real kube-apiserver): JSON over HTTP(S) with a bearer
 * token, keep-alive connections, failures decoded into StatusError, and line-delimited watch streams.
 */
export class RestClient {
  /**
   * Each API server with its keep-alive connections, as many as requests in flight (undici: about half
   * the CPU of node:https's client a request). No body timeout: a watch may be quiet for its whole half hour.
   */
  private readonly endpoints: Array<{ url: URL; pool: Pool | undefined }>;
  /** The API server requests go to, until it can't be reached. */
  private current = 0;

  constructor(private readonly config: ClientConfig) {
    const urls = [...new Set([config.server, ...(config.servers ?? [])])].map((s) => new URL(s));
    const tls = {
      ca: config.ca, cert: config.cert, key: config.key,
      ...(config.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    };
    this.endpoints = urls.map((url) => ({ url, pool: config.transport ? undefined : new Pool(url.origin, { connect: tls, bodyTimeout: 0, keepAliveTimeout: 60_000 }) }));
  }

  /** The API server requests go to now. */
  get server(): string {
    return this.endpoints[this.current]!.url.href;
  }

  /** The CA the client trusts the server with (the kubeconfig's certificate-authority-data), PEM. */
  get certificateAuthority(): string | undefined {
    return this.config.ca;
  }

  /**
   * A client for the current context of a kubeconfig file (absent: $KUBECONFIG, else ~/.kube/config), as
   * kubectl reads it; `servers` (tug's --server) replace the context's API server.
   */
  static fromKubeconfig(path?: string, opts: { context?: string; userAgent?: string; servers?: string[] } = {}): RestClient {
    const config = loadKubeconfig(path, { context: opts.context });
    const servers = opts.servers?.length ? { server: opts.servers[0]!, servers: opts.servers } : {};
    return new RestClient({ ...config, ...servers, userAgent: opts.userAgent });
  }

  close(): void {
    for (const e of this.endpoints) e.pool?.destroy().catch(() => {});
  }

  /**
   * Sends to the current API server; one that can't be reached makes the next one current. The request
   * is then sent there too when that is safe: it never reached the first (the connection was refused or
   * never made), or it is a read.
   */
  private async send(method: string, path: string, opts: RequestOptions): Promise<TransportResponse> {
    for (let tried = 1; ; tried++) {
      const at = this.current;
      try {
        return await this.sendTo(this.endpoints[at]!, method, path, opts);
      } catch (err) {
        if (this.endpoints.length === 1 || opts.signal?.aborted || !isConnectionError(err)) throw err;
        if (this.current === at) this.current = (at + 1) % this.endpoints.length;
        if (tried >= this.endpoints.length || !(neverSent(err) || method === "GET")) throw err;
      }
    }
  }

  private async sendTo(endpoint: { url: URL; pool: Pool | undefined }, method: string, path: string, opts: RequestOptions): Promise<TransportResponse> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== "") query.set(k, String(v));
    const qs = query.toString();
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": this.config.userAgent ?? "tugboat" };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (payload !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const fullPath = `${endpoint.url.pathname.replace(/\/$/, "")}${path}${qs ? `?${qs}` : ""}`;
    if (this.config.transport) {
      return this.config.transport({ method, path: fullPath, headers, body: payload === undefined ? undefined : Buffer.from(payload), signal: opts.signal });
    }
    const res = await endpoint.pool!.request({ method: method as Dispatcher.HttpMethod, path: fullPath, headers, body: payload, signal: opts.signal });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  /** Sends a request and decodes the JSON answer; a non-2xx answer throws its Status as a StatusError. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.exchange(method, path, opts);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends a request for its effect: a failure throws its Status as request's does, a success isn't decoded. */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<void> {
    await this.exchange(method, path, opts);
  }

  /** The answer's text, or its Status thrown as a StatusError. */
  private async exchange(method: string, path: string, opts: RequestOptions): Promise<string> {
    const res = await this.send(method, path, opts);
    const text = await readText(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) {
      let status: Partial<Status>;
      try {
        status = JSON.parse(text) as Partial<Status>;
      } catch {
        status = { message: text || `the server responded with status ${code}` };
      }
      throw StatusError.fromStatus(status, code);
    }
    return text;
  }

  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>("GET", resourcePath(ref, namespace, name));
  }

  list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>("GET", resourcePath(ref, namespace), { query: { ...opts } });
  }

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<T> {
    return this.request<T>("POST", resourcePath(ref, namespace), { body: obj });
  }

  update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, subresource?: string): Promise<T> {
    return this.request<T>("PUT", resourcePath(ref, obj.metadata.namespace, obj.metadata.name, subresource), { body: obj });
  }

  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<T> {
    return this.request<T>("PATCH", resourcePath(ref, namespace, name, subresource), { body: patch, contentType: PATCH_CONTENT_TYPES[type] });
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<KubeObject> {
    return this.request<KubeObject>("DELETE", resourcePath(ref, namespace, name), { body: { kind: "DeleteOptions", apiVersion: "v1", ...opts } });
  }

  /**
   * Streams a watch: `onEvent` gets each change until the server ends the stream (timeout), `signal`
   * aborts, or an ERROR event arrives — which rejects with its Status (410 Gone: relist).
   */
  async watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, opts: WatchOptions, onEvent: (type: WatchEventType, obj: T) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.send("GET", resourcePath(ref, namespace), { query: { ...opts, watch: true }, signal });
    if (res.statusCode !== 200) {
      let status: Partial<Status>;
      try {
        status = JSON.parse(await readText(res)) as Partial<Status>;
      } catch {
        status = {};
      }
      throw StatusError.fromStatus(status, res.statusCode);
    }
    // Read from the stream's events, not an async iterator: a busy watch delivers thousands of chunks a second.
    const body = res.body.setEncoding("utf8");
    let buffer = "";
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        body.off("data", onData);
        if (err === undefined || signal?.aborted) resolve();
        else reject(err);
      };
      const onData = (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while (!settled && (nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          try {
            const event = JSON.parse(line) as { type: string; object: unknown };
            if (event.type === "ERROR") throw StatusError.fromStatus(event.object as Partial<Status>, (event.object as { code?: number }).code ?? 500);
            onEvent(event.type as WatchEventType, event.object as T);
          } catch (err) {
            body.destroy();
            settle(err);
          }
        }
      };
      body.on("data", onData);
      body.once("end", () => settle());
      body.once("error", (err) => settle(err));
      body.once("close", () => settle(body.readableEnded ? undefined : new Error("The watch stream closed before it ended")));
    });
  }
}

/** Failures of the connection rather than answers of the server: another API server may do better. */
const CONNECTION_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_CLOSED"]);
/** Of those, the ones where the request never left: safe to send anywhere again, whatever it does. */
const NEVER_SENT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code ?? (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

function isConnectionError(err: unknown): boolean {
  return CONNECTION_ERRORS.has(errorCode(err) ?? "");
}

function neverSent(err: unknown): boolean {
  return NEVER_SENT.has(errorCode(err) ?? "");
}

/** A response's whole body as text: handed over in one piece (in process), or read from its stream's events. */
function readText(res: TransportResponse): Promise<string> {
  if (res.whole !== undefined) return Promise.resolve(res.whole.toString());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.body.on("data", (chunk: Buffer | string) => chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    res.body.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.body.once("error", reject);
    res.body.once("close", () => res.body.readableEnded || reject(new Error("The response closed before it ended")));
  });
}
