import assert from "node:assert/strict";
import { Agent, request } from "undici";
import { StatusError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { loadKubeconfig, type ResourceRef, type WatchEventType } from "../client/rest.js";
import type { ConformanceContext } from "./case.js";

/**
 * What the Pods, Services, Namespaces, Watch and API-machinery cases share: resource refs, polling,
 * watches that collect their events, raw HTTP for what the REST client does not decode (logs, tables,
 * hand-written bodies), and busybox pods that run a script to completion.
 */

export const core = (resource: string, namespaced = true): ResourceRef => ({ group: "", version: "v1", resource, namespaced });
export const NAMESPACES = core("namespaces", false);
export const PODTEMPLATES = core("podtemplates");
export const RCS = core("replicationcontrollers");
export const SERVICEACCOUNTS = core("serviceaccounts");
export const EVENTS_V1: ResourceRef = { group: "events.k8s.io", version: "v1", resource: "events", namespaced: true };

/** A pod as the cases build and read it (spec and status stay loose JSON). */
export interface Pod extends KubeObject {
  spec: { containers: Array<Record<string, unknown>>; [k: string]: unknown };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    qosClass?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{ name: string; ready: boolean; restartCount: number; state?: Record<string, Record<string, unknown>>; lastState?: Record<string, Record<string, unknown>> }>;
    initContainerStatuses?: Array<{ name: string; ready: boolean; restartCount: number; state?: Record<string, Record<string, unknown>> }>;
    [k: string]: unknown;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 150 ms until it returns something truthy, which it returns; fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await sleep(150);
  }
}

/** Waits until the pod satisfies `pred`, returning it. */
export function waitForPod(ctx: ConformanceContext, name: string, what: string, pred: (p: Pod) => boolean, ms = 30_000, namespace = ctx.namespace): Promise<Pod> {
  return waitFor(`pod ${name} ${what}`, async () => {
    const p = await ctx.client.get<Pod>(core("pods"), namespace, name);
    return pred(p) ? p : undefined;
  }, ms);
}

export const isRunning = (p: Pod) => p.status?.phase === "Running";
export const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
export const isDone = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

/** Resolves when `promise` rejects with a Status of `code`; fails when it succeeds or fails otherwise. */
export async function expectCode(promise: Promise<unknown>, code: number, what: string): Promise<StatusError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StatusError && err.code === code) return err;
    throw new Error(`${what}: expected a ${code} Status, got ${err instanceof StatusError ? `${err.code} ${err.message}` : String(err)}`, { cause: err });
  }
  throw new Error(`${what}: expected a ${code} Status, the request succeeded`);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agents = new Map<string, Agent>();

/** One HTTP request to the API server as the kubeconfig's admin (its client certificate or token), the body sent as given (no encoding). */
export async function raw(ctx: ConformanceContext, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const cfg = loadKubeconfig(ctx.cluster.kubeconfig);
  let agent = agents.get(cfg.server);
  if (!agent) agents.set(cfg.server, (agent = new Agent({ connect: { ca: cfg.ca, cert: cfg.cert, key: cfg.key } })));
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  if (cfg.token && !headers.Authorization) headers.Authorization = `Bearer ${cfg.token}`;
  if (opts.body !== undefined && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
  const res = await request(new URL(path, cfg.server), { method: method as "GET", headers, body: opts.body, dispatcher: agent, signal: ctx.signal });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The container's log, as `kubectl logs` reads it. */
export async function podLogs(ctx: ConformanceContext, name: string, container?: string, namespace = ctx.namespace): Promise<string> {
  const q = container ? `?container=${encodeURIComponent(container)}` : "";
  const res = await raw(ctx, "GET", `/api/v1/namespaces/${namespace}/pods/${name}/log${q}`);
  if (res.status !== 200) throw new Error(`Reading the log of pod ${name} answered ${res.status}: ${res.text}`);
  return res.text;
}

/** A pod of one busybox container running `sh -c script` (restartPolicy Never unless `extra` says). */
export function shPod(name: string, script: string, extra: { labels?: Record<string, string>; container?: Record<string, unknown>; spec?: Record<string, unknown> } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: extra.labels },
    spec: {
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], ...extra.container }],
      ...extra.spec,
    },
  };
}

/**
 * A pod serving HTTP on port 80 with the demo image (nginx's stand-in answers `/` with the welcome page),
 * ready once it answers (the demo app serves /readyz), so a started pod is one that listens.
 */
export function webPod(name: string, labels: Record<string, string> = {}, image = "ikubernetes/demoapp:v1.0"): Pod {
  const readinessProbe = { httpGet: { path: "/readyz", port: 80 }, periodSeconds: 1 };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image, ports: [{ containerPort: 80 }], readinessProbe }] },
  };
}

/** Creates the pod, waits until it ends, and returns it with the log of its first container. */
export async function runToEnd(ctx: ConformanceContext, pod: Pod, ms = 30_000): Promise<{ pod: Pod; logs: string }> {
  await ctx.client.create(core("pods"), ctx.namespace, pod);
  const done = await waitForPod(ctx, pod.metadata.name!, "to finish", isDone, ms);
  return { pod: done, logs: await podLogs(ctx, pod.metadata.name!) };
}

/** Creates the pod and waits until it runs (and is ready when it has a readiness probe). */
export async function startPod(ctx: ConformanceContext, pod: Pod, ms = 30_000): Promise<Pod> {
  await ctx.client.create(core("pods"), ctx.namespace, pod);
  return waitForPod(ctx, pod.metadata.name!, "to be running and ready", (p) => isRunning(p) && isReady(p), ms);
}

/** Runs a busybox pod that fetches `url` (wget) and returns what it printed. */
export async function fetchFromPod(ctx: ConformanceContext, name: string, url: string): Promise<string> {
  // Up to 10 tries a second apart, as upstream's reachability checks poll: the proxy programs a Service's
  // new endpoints a moment after the API shows them, as kube-proxy does.
  const { pod, logs } = await runToEnd(ctx, shPod(name, `for i in 1 2 3 4 5 6 7 8 9 10; do timeout 5 wget -q -O - '${url}' && exit 0; sleep 1; done; exit 1`), 90_000);
  assert.equal(pod.status?.phase, "Succeeded", `wget ${url} from a pod failed: ${logs}`);
  return logs;
}

/** Answer of an HTTP GET from this process to a pod or cluster IP (the host reaches the pod network). */
export async function httpGet(url: string, timeoutMs = 3_000): Promise<{ status: number; text: string }> {
  const res = await request(url, { method: "GET", headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return { status: res.statusCode, text: await res.body.text() };
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** A watch that collects its events until stopped. */
export class Collector<T extends KubeObject = KubeObject> {
  readonly events: Array<WatchEvent<T>> = [];
  private readonly abort = new AbortController();
  readonly done: Promise<unknown>;

  constructor(ctx: ConformanceContext, ref: ResourceRef, namespace: string | undefined, opts: { labelSelector?: string; fieldSelector?: string; resourceVersion?: string } = {}) {
    const signal = AbortSignal.any([this.abort.signal, ctx.signal]);
    this.done = ctx.client.watch<T>(ref, namespace, opts, (type, object) => this.events.push({ type, object }), signal).catch((err: unknown) => err);
  }

  /**
   * A watch from the collection's current resource version, so that no write made after this resolves
   * can be missed, however long the watch request takes to reach the server.
   */
  static async start<T extends KubeObject = KubeObject>(ctx: ConformanceContext, ref: ResourceRef, namespace: string | undefined, opts: { labelSelector?: string; fieldSelector?: string } = {}): Promise<Collector<T>> {
    const list = await ctx.client.list(ref, namespace, { ...opts, limit: 1 });
    return new Collector<T>(ctx, ref, namespace, { ...opts, resourceVersion: list.metadata.resourceVersion });
  }

  /** Waits until `count` events matching `pred` have arrived; returns them. */
  async waitFor(what: string, pred: (e: WatchEvent<T>) => boolean, count = 1, ms = 15_000): Promise<Array<WatchEvent<T>>> {
    return waitFor(`watch event: ${what}`, async () => {
      const hits = this.events.filter(pred);
      return hits.length >= count ? hits : undefined;
    }, ms);
  }

  /** The (type, name) sequence seen so far. */
  sequence(): string[] {
    return this.events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.object.metadata.name}`);
  }

  stop(): void {
    this.abort.abort();
  }
}

/** A unique lower-case suffix for names of cluster-scoped objects. */
export function suffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** Deletes the given namespace and waits until it is gone (cases that make namespaces of their own). */
export async function dropNamespace(ctx: ConformanceContext, name: string, ms = 60_000): Promise<void> {
  await ctx.client.delete(NAMESPACES, undefined, name).catch(() => {});
  await waitFor(`namespace ${name} to be gone`, async () => {
    try {
      await ctx.client.get(NAMESPACES, undefined, name);
      return false;
    } catch (err) {
      return err instanceof StatusError && err.code === 404;
    }
  }, ms);
}

/** Lists the names of objects of `ref` in the namespace with a label selector. */
export async function names(ctx: ConformanceContext, ref: ResourceRef, labelSelector?: string, namespace: string | undefined = ctx.namespace): Promise<string[]> {
  const list = await ctx.client.list(ref, namespace, { labelSelector });
  return list.items.map((i) => i.metadata.name!).sort();
}

/** Sends a DELETE on the collection (deletecollection) with a label selector. */
export async function deleteCollection(ctx: ConformanceContext, ref: ResourceRef, labelSelector: string, namespace: string | undefined = ctx.namespace): Promise<void> {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const path = `${base}${ref.namespaced && namespace ? `/namespaces/${namespace}` : ""}/${ref.resource}`;
  await ctx.client.call("DELETE", path, { query: { labelSelector } });
}

/** True when `err` is a Status of `code`. */
export const isCode = (err: unknown, code: number) => err instanceof StatusError && err.code === code;

/** Waits until the object is gone (404). */
export function waitGone(ctx: ConformanceContext, ref: ResourceRef, name: string, ms = 30_000, namespace: string | undefined = ctx.namespace): Promise<boolean> {
  return waitFor(`${ref.resource} ${name} to be gone`, async () => {
    try {
      await ctx.client.get(ref, namespace, name);
      return false;
    } catch (err) {
      if (isCode(err, 404)) return true;
      throw err;
    }
  }, ms);
}
