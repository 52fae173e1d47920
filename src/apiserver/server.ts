import { setMaxListeners } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StatusError } from "../api/errors.js";
import { Selector } from "../api/labels.js";
import type { Store } from "../store/store.js";
import { aggregatedDiscovery, aggregatedVersion, apiGroup, apiGroupList, apiVersions, resourceList } from "./http/discovery.js";
import { serviceAccountAdmission } from "./service-accounts.js";
import { Listener } from "./http/listener.js";
import { handleResource, type HandlerContext } from "./http/resource-handler.js";
import { sendError, sendJson } from "./http/respond.js";
import { requestTarget, resolve, type ResourceRoute } from "./http/route.js";
import { builtinResources } from "./kinds/index.js";
import { ensureSystemNamespaces, finalizeNamespace, namespaceAdmission } from "./namespaces.js";
import type { Transport } from "../api/transport.js";
import type { KubeObject } from "../api/types.js";
import { inProcessTransport } from "./in-process.js";
import { definitionName } from "./openapi/document.js";
import { OpenApi } from "./openapi/serve.js";
import { StructuralDecoder } from "./openapi/structural.js";
import { MergeTypes } from "../api/managed/merge-type.js";
import { RestStore, type Admit, type Clock } from "./registry/rest.js";
import type { ResourceInfo } from "./resource.js";
import { ServiceAllocations } from "./services/allocations.js";
import { advertiseAddress, bootstrapServices } from "./services/bootstrap.js";
import type { ServingCerts } from "./tls.js";

export interface ApiServerOptions {
  store: Store;
  clock?: Clock;
  /** The admin's bearer token; requests without it get 401. Absent: no authentication (tests). */
  token?: string;
  /** Serve HTTPS with these; absent: plain HTTP (tests, in-process use). */
  certs?: ServingCerts;
  /** --service-cluster-ip-range: where Services' cluster IPs come from (default 10.96.0.0/12). */
  serviceClusterIPRange?: string;
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** How often history older than the previous round is compacted away (upstream: 5 minutes). */
  compactionIntervalMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export const KUBERNETES_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-tugboat" };

/** The Kubernetes API server: discovery, OpenAPI, and every served resource over one generic REST store. */
export class ApiServer {
  readonly resources: ResourceInfo[];
  private readonly rests = new Map<ResourceInfo, RestStore>();
  private readonly byGroupVersion = new Map<string, Map<string, ResourceInfo>>();
  private readonly server: Listener;
  /** Aborted on close; every open watch listens on it (removing itself when it ends), so no listener cap. */
  private readonly shutdown = (() => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  })();
  private readonly clock: Clock;
  private readonly openapi: OpenApi;
  private readonly finalizing = new Set<string>();
  private address = "127.0.0.1:6443";
  private compactor: NodeJS.Timeout | undefined;
  private readonly serviceAllocations: ServiceAllocations;

  constructor(private readonly opts: ApiServerOptions) {
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.resources = builtinResources({
      notReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds ?? 300,
      unreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds ?? 300,
    });
    this.openapi = new OpenApi(this.resources);
    const decoder = new StructuralDecoder(this.openapi.schemas());
    const mergeTypes = new MergeTypes(this.openapi.schemas());
    const hooks = {
      admit: admitAll(
        namespaceAdmission(() => this.restFor("", "namespaces"), this.clock),
        serviceAccountAdmission(() => this.restFor("", "serviceaccounts")),
      ),
      mergeType: (r: ResourceInfo) => mergeTypes.of(definitionName(r.group, r.version, r.kind)),
      decode: (r: ResourceInfo, obj: KubeObject, stored?: KubeObject) => {
        const definition = definitionName(r.group, r.version, r.kind);
        return decoder.has(definition) ? decoder.decode(obj, definition, r.kind, r.version, stored) : { unknown: [], errors: [] };
      },
    };
    this.serviceAllocations = new ServiceAllocations(opts.store, opts.serviceClusterIPRange);
    for (const r of this.resources) {
      const isService = r.group === "" && r.plural === "services";
      this.rests.set(r, new RestStore(r, opts.store, this.clock, isService ? { ...hooks, allocations: this.serviceAllocations } : hooks));
      const gv = `${r.group}/${r.version}`;
      if (!this.byGroupVersion.has(gv)) this.byGroupVersion.set(gv, new Map());
      this.byGroupVersion.get(gv)!.set(r.plural, r);
    }
    this.server = new Listener((req, res) => void this.handle(req, res), opts.certs);
  }

  /** A Transport for clients in this process: requests reach the handler without a socket. */
  transport(): Transport {
    const send = inProcessTransport((req, res) => this.handle(req, res));
    return (request) => {
      // A stopped server refuses in-process clients as a closed port refuses remote ones.
      if (this.shutdown.signal.aborted) return Promise.reject(Object.assign(new Error("connect ECONNREFUSED: the API server is stopped"), { code: "ECONNREFUSED" }));
      return send(request);
    };
  }

  restFor(group: string, plural: string): RestStore {
    const r = this.byGroupVersion.get(`${group}/v1`)?.get(plural);
    if (!r) throw new Error(`No resource "${plural}" in group "${group}"`);
    return this.rests.get(r)!;
  }

  /** Creates the system namespaces, resumes unfinished namespace deletions, and starts serving. */
  async listen(port: number, host = "127.0.0.1"): Promise<number> {
    const namespaces = this.restFor("", "namespaces");
    await ensureSystemNamespaces(namespaces);
    await this.opts.store.watch(namespaces.prefix(), 0, (e) => {
      if (e.type === "MODIFIED" && namespaces.decode(e.kv).metadata.deletionTimestamp) this.finalize(namespaces.decode(e.kv).metadata.name!);
    }, this.shutdown.signal);
    for (const ns of (await namespaces.list(undefined, { labels: Selector.everything(), fields: [], limit: 0 })).items) {
      if (ns.metadata.deletionTimestamp) this.finalize(ns.metadata.name!);
    }
    this.startCompaction();
    const actual = await this.server.listen(port, host);
    this.address = `${host}:${actual}`;
    const rests = { services: this.restFor("", "services"), endpoints: this.restFor("", "endpoints"), endpointSlices: this.restFor("discovery.k8s.io", "endpointslices") };
    for (const conflict of await bootstrapServices(rests, this.serviceAllocations, { ip: advertiseAddress(host), port: actual })) {
      this.log({ level: "warning", msg: "Service allocation conflict", conflict });
    }
    return actual;
  }

  /** Every interval, forgets the history written before the previous round, as kube-apiserver does with etcd. */
  private startCompaction(): void {
    const store = this.opts.store;
    let previous = 0;
    this.compactor = setInterval(() => {
      void (async () => {
        const current = await store.revision();
        if (previous > 0) await store.compact(previous);
        previous = current;
      })().catch((err: unknown) => this.log({ level: "error", msg: "Compaction failed", err: String(err) }));
    }, this.opts.compactionIntervalMs ?? 5 * 60_000);
    this.compactor.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.compactor);
    this.shutdown.abort();
    await this.server.close();
  }

  private finalize(name: string): void {
    if (this.finalizing.has(name)) return;
    this.finalizing.add(name);
    const namespaced = [...this.rests.values()].filter((r) => r.info.namespaced);
    const attempt = async () => {
      try {
        const done = await finalizeNamespace(name, this.restFor("", "namespaces"), namespaced, this.clock);
        if (!done && !this.shutdown.signal.aborted) return void setTimeout(attempt, 500);
      } catch (err) {
        this.log({ level: "error", msg: "Finalizing namespace failed", namespace: name, err: String(err) });
        if (!this.shutdown.signal.aborted) return void setTimeout(attempt, 1000);
      }
      this.finalizing.delete(name);
    };
    void attempt();
  }

  private log(entry: Record<string, unknown>): void {
    (this.opts.log ?? ((e) => process.stderr.write(JSON.stringify({ time: new Date().toISOString(), component: "apiserver", ...e }) + "\n")))(entry);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestTarget(req.url ?? "/");
      const path = url.pathname.replace(/\/+$/, "") || "/";
      if (["/healthz", "/livez", "/readyz"].includes(path) || path.startsWith("/healthz/") || path.startsWith("/livez/") || path.startsWith("/readyz/")) {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        return void res.end("ok");
      }
      if (path === "/version") return sendJson(res, 200, { ...KUBERNETES_VERSION, gitCommit: "", gitTreeState: "clean", buildDate: "", goVersion: "", compiler: "tugboat", platform: `${process.platform}/${process.arch}` });
      if (this.opts.token !== undefined && req.headers.authorization !== `Bearer ${this.opts.token}`) {
        throw new StatusError(401, "Unauthorized", "Unauthorized");
      }
      if (path.startsWith("/openapi/")) return this.openapi.serve(req, res, path);
      const route = resolve(path, this.byGroupVersion);
      const accept = req.headers.accept;
      switch (route.type) {
        case "discovery-root": {
          const aggregated = aggregatedVersion(accept);
          if (aggregated) {
            return sendJson(res, 200, aggregatedDiscovery(this.resources, route.legacy, aggregated),
              `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`);
          }
          return sendJson(res, 200, route.legacy ? apiVersions(this.address) : apiGroupList(this.resources));
        }
        case "discovery-group": {
          const r = this.resources.find((x) => x.group === route.group);
          if (!r) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
          return sendJson(res, 200, apiGroup(r.group, r.version));
        }
        case "discovery-version":
          return sendJson(res, 200, resourceList(route.group, route.version, this.resources.filter((r) => r.group === route.group && r.version === route.version)));
        case "unknown-resource":
          throw new StatusError(404, "NotFound", "the server could not find the requested resource", { group: route.group || undefined, kind: route.resource });
        case "resource":
          return await handleResource(req, res, url.searchParams, route.route, this.context());
        default:
          throw new StatusError(404, "NotFound", "the server could not find the requested resource");
      }
    } catch (err) {
      const status = sendError(res, err);
      if (status.code >= 500) this.log({ level: "error", msg: "Request failed", method: req.method, url: req.url, err: err instanceof Error ? err.stack : String(err) });
    }
  }

  private context(): HandlerContext {
    return {
      rest: (route: ResourceRoute) => this.rests.get(route.resource)!,
      pods: this.restFor("", "pods"),
      nodes: this.restFor("", "nodes"),
      proxyStores: () => ({ pods: this.restFor("", "pods"), services: this.restFor("", "services"), endpoints: this.restFor("", "endpoints"), nodes: this.restFor("", "nodes") }),
      kubeletToken: this.opts.token,
      clock: this.clock,
      shutdown: this.shutdown.signal,
    };
  }
}


/** Runs admission plugins in order; the first refusal wins. */
function admitAll(...plugins: Admit[]): Admit {
  return async (resource, obj) => {
    for (const admit of plugins) await admit(resource, obj);
  };
}
