import { request as httpRequest } from "node:http";
import type { Pod } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../api/types.js";
import { PODS } from "../client/resources.js";
import { resourcePath, type ResourceRef, type WatchEventType } from "../client/rest.js";
import type { ConformanceContext } from "./case.js";

/**
 * What the cases share: waiting for a condition (never for a fixed time), watching until an event
 * matches, deleting a collection, reading a pod's answer from its IP. Every wait honours `ctx.signal`, so
 * a case the runner gave up on stops at its next poll.
 */

/** A kubernetes-types object as the client carries it (metadata present). */
export type K<T> = T & KubeObject;

export const REPLICATIONCONTROLLERS: ResourceRef = { group: "", version: "v1", resource: "replicationcontrollers", namespaced: true };

/** How long a case waits for one condition before it fails (cases take seconds; this is the ceiling). */
export const WAIT_MS = 60_000;

/** Thrown by a probe that sees the awaited condition can no longer come: waitFor fails at once with it. */
export class StopWaiting extends Error {}

/**
 * Polls `probe` every 250 ms until it returns something other than undefined/false, and returns that.
 * Fails with `what` (and the probe's last error, if it threw) after `ms` or when the case is aborted.
 */
export async function waitFor<T>(ctx: ConformanceContext, what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (true) {
    if (ctx.signal.aborted) throw new Error(`Aborted while waiting for ${what}`);
    try {
      const got = await probe();
      if (got !== undefined && got !== false) return got;
      last = undefined;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new Error(`Timed out after ${Math.round(ms / 1000)} s waiting for ${what}${why}`);
    }
    await sleep(250, ctx.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Watches `ref` in the case's namespace from `resourceVersion` until `match` holds for an event, and
 * returns that event's object (upstream's watchtools.Until). Fails after `ms`.
 */
export async function watchUntil<T extends KubeObject>(
  ctx: ConformanceContext,
  ref: ResourceRef,
  opts: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string; namespace?: string | null },
  what: string,
  match: (type: WatchEventType, obj: T) => boolean,
  ms = WAIT_MS,
): Promise<T> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => abort.abort(), ms);
  let found: T | undefined;
  const namespace = opts.namespace === null ? undefined : (opts.namespace ?? ctx.namespace);
  try {
    await ctx.client.watch<T>(ref, namespace, { resourceVersion: opts.resourceVersion, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, timeoutSeconds: Math.ceil(ms / 1000) }, (type, obj) => {
      if (found === undefined && match(type, obj)) {
        found = obj;
        abort.abort();
      }
    }, abort.signal);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
  if (found === undefined) throw new Error(`Timed out after ${Math.round(ms / 1000)} s watching for ${what}`);
  return found;
}

/** DELETE on the collection of `ref` in the case's namespace, by label selector. */
export function deleteCollection(ctx: ConformanceContext, ref: ResourceRef, labelSelector: string, gracePeriodSeconds?: number): Promise<void> {
  return ctx.client.call("DELETE", resourcePath(ref, ctx.namespace), {
    query: { labelSelector },
    body: gracePeriodSeconds === undefined ? undefined : { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds },
  });
}

/** GET / PUT / PATCH on a subresource (scale, status) of a namespaced object in the case's namespace. */
export function subresource<T>(ctx: ConformanceContext, ref: ResourceRef, name: string, sub: string, method = "GET", body?: unknown, contentType?: string): Promise<T> {
  return ctx.client.request<T>(method, resourcePath(ref, ctx.namespace, name, sub), { body, contentType });
}

export async function listPods(ctx: ConformanceContext, labelSelector?: string): Promise<Array<K<Pod>>> {
  return (await ctx.client.list<K<Pod>>(PODS, ctx.namespace, { labelSelector })).items;
}

export function isReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

export function isOwnedBy(obj: KubeObject, uid: string | undefined): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
}

/** Waits until exactly `n` not-terminating pods match `selector` and all are Running and Ready; returns them. */
export function waitPodsReady(ctx: ConformanceContext, labelSelector: string, n: number, ms = WAIT_MS): Promise<Array<K<Pod>>> {
  return waitFor(ctx, `${n} ready pods with ${labelSelector}`, async () => {
    const pods = (await listPods(ctx, labelSelector)).filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === n && pods.every(isReady) ? pods : undefined;
  }, ms);
}

/** Waits until no pod matches `selector` (terminating ones included). */
export function waitNoPods(ctx: ConformanceContext, labelSelector: string, ms = WAIT_MS): Promise<true> {
  return waitFor(ctx, `no pods with ${labelSelector}`, async () => (await listPods(ctx, labelSelector)).length === 0, ms);
}

/** An HTTP GET straight to a pod's IP (upstream dials through pods/proxy, which Tugboat does not serve yet). */
export function httpGet(host: string, port: number, path = "/", signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method: "GET", timeout: 3000, signal }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** A form POST straight to a pod's IP (the demo images flip /readyz and /livez with `readyz=FAIL`). */
export function httpPost(host: string, port: number, path: string, form: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method: "POST", timeout: 3000, signal, headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(form) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error(`POST http://${host}:${port}${path} timed out`)));
    req.on("error", reject);
    req.end(form);
  });
}

/** A short random suffix of lowercase letters and digits (upstream's rand.String). */
export function randomSuffix(n = 5): string {
  const chars = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < n; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/** Stand-ins for upstream's test images, from the process runtime's catalog (catalog.ts). */
export const IMAGES = {
  /** httpd:2.4.38-alpine (upstream's WebserverImage). */
  webserver: "nginx:1.27",
  /** A second version of the webserver, for template changes (upstream: httpd:2.4.39-alpine). */
  webserverNew: "nginx:1.28",
  /** agnhost serve-hostname: GET /hostname.html answers the pod's name. */
  serveHostname: "ikubernetes/myapp:v1",
  /** agnhost in its many roles (a web server on port 80). */
  agnhost: "ikubernetes/demoapp:v1.0",
  pause: "registry.k8s.io/pause:3.10",
  busybox: "busybox:1.36",
} as const;

/** A pod template: these labels, these containers, terminationGracePeriodSeconds 0 as upstream's tests set. */
export function podTemplate(labels: Record<string, string>, containers: Array<Record<string, unknown>>, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers, ...spec } };
}

/** Gets, changes and updates `name` (or its subresource) until the update does not conflict. */
export function updateWithRetries<T extends KubeObject>(ctx: ConformanceContext, ref: ResourceRef, name: string, change: (obj: T) => void, sub?: string): Promise<T> {
  return waitFor(ctx, `an update of ${ref.resource} ${name} without conflict`, async () => {
    const obj = await ctx.client.get<T>(ref, ctx.namespace, name);
    change(obj);
    try {
      return await ctx.client.update<T>(ref, obj, sub);
    } catch (err) {
      if ((err as { code?: number }).code === 409) return undefined;
      throw err;
    }
  });
}

/**
 * One watch kept open across several steps of a case, its events consumed in order (upstream's
 * watchUntilWithoutRetry on a RetryWatcher): `next` skips events until one matches.
 */
export class EventStream<T extends KubeObject> {
  private readonly events: Array<{ type: WatchEventType; obj: T }> = [];
  private wake: (() => void) | undefined;
  private ended: unknown = undefined;
  private done = false;
  private readonly abort = new AbortController();

  private constructor(private readonly ctx: ConformanceContext) {}

  static open<T extends KubeObject>(ctx: ConformanceContext, ref: ResourceRef, opts: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string; namespace?: string | null }): EventStream<T> {
    const stream = new EventStream<T>(ctx);
    const namespace = opts.namespace === null ? undefined : (opts.namespace ?? ctx.namespace);
    ctx.signal.addEventListener("abort", () => stream.close(), { once: true });
    ctx.client.watch<T>(ref, namespace, { resourceVersion: opts.resourceVersion, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, timeoutSeconds: 600 }, (type, obj) => {
      stream.events.push({ type, obj });
      stream.wake?.();
    }, stream.abort.signal).then(() => stream.finish("the watch ended"), (err: unknown) => stream.finish(err));
    return stream;
  }

  private finish(why: unknown): void {
    this.done = true;
    this.ended = why;
    this.wake?.();
  }

  /** The next event that matches, consuming every event before it. */
  async next(what: string, match: (type: WatchEventType, obj: T) => boolean, ms = WAIT_MS): Promise<{ type: WatchEventType; obj: T }> {
    const deadline = Date.now() + ms;
    while (true) {
      while (this.events.length > 0) {
        const event = this.events.shift()!;
        if (match(event.type, event.obj)) return event;
      }
      if (this.done) throw new Error(`The watch ended before ${what}: ${this.ended instanceof Error ? this.ended.message : String(this.ended)}`);
      const left = deadline - Date.now();
      if (left <= 0 || this.ctx.signal.aborted) throw new Error(`Timed out after ${Math.round(ms / 1000)} s watching for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Every event received and not yet consumed, consumed now. */
  drain(): Array<{ type: WatchEventType; obj: T }> {
    return this.events.splice(0);
  }

  close(): void {
    this.abort.abort();
  }
}
