import { setMaxListeners } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isNotFound, StatusError } from "../api/errors.js";
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
import type { ResourceInfo, ReviewContext } from "./resource.js";
import { ServiceAllocations } from "./services/allocations.js";
import { advertiseAddress, bootstrapServices } from "./services/bootstrap.js";
import { Presence } from "./presence.js";
import type { ServingCerts } from "./tls.js";
import type { KubeletClientConfig } from "./http/kubelet-client.js";
import { Rbac, rbacStores } from "./rbac/index.js";
import { reviewResources } from "./rbac/reviews.js";
import { invalidError } from "../api/field-errors.js";
import { NodeGraph } from "./auth/node/graph.js";
import { NodeAuthorizer } from "./auth/node/node-authorizer.js";
import { nodeRestriction } from "./auth/node/node-restriction.js";
import { signerAdmission } from "./auth/signer-admission.js";
import { unionAuthorizer, type SyncAuthorizer } from "./auth/union.js";
import { followStore } from "./store-view.js";
import { authenticate } from "./auth/authenticate.js";
import { authorize } from "./auth/authorize.js";
import { audienceAgnostic, bearerAuthenticator } from "./auth/bearer.js";
import { staticTokenAuthenticator, tokenFileAuthenticator } from "./auth/token-file.js";
import { bootstrapTokenAuthenticator } from "./auth/bootstrap-token.js";
import { withUser } from "./auth/context.js";
import { impersonate, wantsImpersonation } from "./auth/impersonation.js";
import { requestAttributes } from "./auth/request-info.js";
import { Groups, Users, type Authenticator, type Authorizer, type TokenAuthenticator, type UserInfo } from "./auth/types.js";
import { x509Authenticator } from "./auth/x509.js";
import { selfSubjectReviews } from "./auth/self-subject-review.js";
import { certificateSigningRequests } from "./kinds/certificates.js";
import { serveReview } from "./http/review.js";
import { ServiceAccountTokens, type ServiceAccountTokenConfig } from "./auth/serviceaccount/index.js";

export interface ApiServerOptions {
  store: Store;
  clock?: Clock;
  /**
   * The static admin token: its bearer authenticates as {@link STATIC_TOKEN_USER} (system:masters).
   * With neither a token, certificates nor authenticators there is no authentication: every request is
   * {@link UNAUTHENTICATED_USER} (tests, in-process use).
   */
  token?: string;
  /** Service account tokens: the signing key, issuer and API audiences. Absent: no TokenRequest, TokenReview or SA tokens. */
  serviceAccounts?: ServiceAccountTokenConfig;
  /** --service-account-jwks-uri; default https://<advertise address>:<port>/openid/v1/jwks. */
  serviceAccountJwksUri?: string;
  /**
   * Also listen on the advertise address (the host's first IPv4, which the `kubernetes` Service's endpoints
   * name) when the listening host is a loopback address, so pods reach the API server there as upstream's
   * --advertise-address. Off: only the listening host (tests).
   */
  bindAdvertiseAddress?: boolean;
  /**
   * --advertise-address: what the `kubernetes` Service's endpoints name for this server (default: the
   * listening address, or the host's first IPv4 when that is a wildcard or loopback).
   */
  advertiseAddress?: string;
  /**
   * --endpoint-reconciler-type: "lease" (default) keeps `/registry/masterleases/<ip>` alive and names every live API
   * server sharing the store in the `kubernetes` Service's endpoints; "none" leaves them alone.
   */
  endpointReconcilerType?: "lease" | "none";
  /** The host name this server's identity Lease is named after (default os.hostname()). */
  hostname?: string;
  /**
   * Serve HTTPS with these; absent: plain HTTP (tests, in-process use). Client certificates signed by
   * `certs.caCert` authenticate their CN (user) and O (groups).
   */
  certs?: ServingCerts;
  /**
   * How node agents are reached (their CA, the API server's client certificate); absent: the admin
   * token is sent and their certificates are not checked.
   */
  kubeletClient?: KubeletClientConfig;
  /**
   * --token-auth-file: bearer tokens and their users (the components' identities), asked after the
   * static token and ServiceAccount tokens; TokenReview reviews them too.
   */
  tokenFile?: ReadonlyMap<string, UserInfo>;
  /**
   * --enable-bootstrap-token-auth: `<id>.<secret>` bearer tokens of kube-system/bootstrap-token-<id>
   * Secrets authenticate as system:bootstrap:<id> (joining nodes); TokenReview reviews them too.
   */
  enableBootstrapTokenAuth?: boolean;
  /** Authenticators asked after the client certificate and the bearer tokens. */
  authenticators?: Authenticator[];
  /** Decides what authenticated requests may do (after system:masters, always allowed). Absent: {@link authorizationModes}. */
  authorizer?: Authorizer;
  /**
   * --authorization-mode: `["Node", "RBAC"]` as upstream's clusters run (tug up), asked in that order.
   * Absent or empty (and no `authorizer`): every authenticated request is allowed (tests).
   */
  authorizationModes?: Array<"Node" | "RBAC">;
  /** --service-cluster-ip-range: where Services' cluster IPs come from (default 10.96.0.0/12). */
  serviceClusterIPRange?: string;
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /**
   * How often history older than the previous round is compacted away (upstream: 5 minutes); 0: never by
   * the API server (an etcd store runs upstream's compactor, elected among the API servers, itself).
   */
  compactionIntervalMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

/** Who the static admin token authenticates as. */
export const STATIC_TOKEN_USER: UserInfo = { name: "admin", groups: [Groups.masters] };

/** Every request's user when the server authenticates nobody (no token, certificates or authenticators): upstream's loopback identity. */
export const UNAUTHENTICATED_USER: UserInfo = { name: Users.apiserver, groups: [Groups.masters, Groups.authenticated] };

export const KUBERNETES_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-tugboat" };

/** The Kubernetes API server: discovery, OpenAPI, and every served resource over one generic REST store. */
export class ApiServer {
  readonly resources: ResourceInfo[];
  private readonly rests = new Map<ResourceInfo, RestStore>();
  private readonly byGroupVersion = new Map<string, Map<string, ResourceInfo>>();
  private readonly server: Listener;
  private advertised: Listener | undefined;
  /** The identity Lease, the `kubernetes` endpoints, leaked allocations: kept up from listen to close. */
  private presence: Presence | undefined;
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
  /** RBAC: the authorizer (`rbac.authorizer`) over a watch-fed cache, escalation checks, bootstrap policy. */
  readonly rbac: Rbac;
  /** What reviews answer from (the requester and namespace aside): the authorizers and token authenticators. */
  private readonly reviewContext: Omit<ReviewContext, "user" | "namespace">;
  private readonly decodeReview: (r: ResourceInfo, obj: KubeObject) => void;
  /** What the authorization filter, impersonation and the access reviews ask; undefined: allow all. */
  private readonly authz: Authorizer | undefined;
  private readonly nodeGraph = new NodeGraph();
  /** Asked in order for each request's user; undefined: no authentication. */
  private readonly authenticators: Authenticator[] | undefined;
  private readonly serviceAccountTokens: ServiceAccountTokens | undefined;
  private jwksUri = "";

  constructor(private readonly opts: ApiServerOptions) {
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.resources = [...builtinResources({
      notReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds ?? 300,
      unreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds ?? 300,
    }), ...reviewResources(), selfSubjectReviews, certificateSigningRequests];
    this.openapi = new OpenApi(this.resources);
    const decoder = new StructuralDecoder(this.openapi.schemas());
    const mergeTypes = new MergeTypes(this.openapi.schemas());
    const signers = signerAdmission(() => this.authz);
    const hooks = {
      admit: admitAll(
        namespaceAdmission(() => this.restFor("", "namespaces"), this.clock),
        serviceAccountAdmission(() => this.restFor("", "serviceaccounts"), { mountToken: opts.serviceAccounts !== undefined }),
        (r, o) => this.rbac.admission.admit(r, o),
        nodeRestriction,
      ),
      admitUpdate: async (r: ResourceInfo, o: KubeObject, old: KubeObject, subresource: string) => {
        if (!subresource) await this.rbac.admission.admitUpdate(r, o, old);
        await signers(r, o, old, subresource);
      },
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
    this.rbac = new Rbac(rbacStores((group, plural) => this.restFor(group, plural)));
    const modes = opts.authorizationModes ?? [];
    const chain = unionAuthorizer(...modes.map((m) => (m === "Node" ? new NodeAuthorizer(this.nodeGraph) : this.rbac.authorizer)));
    this.authz = opts.authorizer ?? (modes.length > 0 ? chain : undefined);
    this.serviceAccountTokens = opts.serviceAccounts && new ServiceAccountTokens(opts.serviceAccounts, {
      serviceAccounts: this.restFor("", "serviceaccounts"), pods: this.restFor("", "pods"), secrets: this.restFor("", "secrets"), nodes: this.restFor("", "nodes"),
    }, this.clock);
    // The bearer-token authenticators, in order: requests and TokenReview ask the same ones.
    const apiAudiences = opts.serviceAccounts?.audiences ?? [];
    const tokenAuthenticators: TokenAuthenticator[] = [
      ...(opts.token !== undefined ? [audienceAgnostic(staticTokenAuthenticator(opts.token, STATIC_TOKEN_USER), apiAudiences)] : []),
      ...(this.serviceAccountTokens ? [this.serviceAccountTokens.tokenAuthenticator] : []),
      ...(opts.tokenFile ? [audienceAgnostic(tokenFileAuthenticator(opts.tokenFile), apiAudiences)] : []),
      ...(opts.enableBootstrapTokenAuth ? [bootstrapTokenAuthenticator((ns, name) => this.restFor("", "secrets").get(ns, name).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }), () => this.clock.now(), apiAudiences)] : []),
    ];
    const authenticators = [
      ...(opts.certs ? [x509Authenticator(() => this.clock.now())] : []),
      ...tokenAuthenticators.map((t) => bearerAuthenticator(t, apiAudiences)),
      ...(opts.authenticators ?? []),
    ];
    this.authenticators = opts.token !== undefined || opts.certs || opts.tokenFile || opts.enableBootstrapTokenAuth || opts.authenticators ? authenticators : undefined;
    const reviewChain: SyncAuthorizer = modes.length > 0 ? chain : this.rbac.authorizer;
    this.reviewContext = {
      authorize: (attrs) => reviewChain.authorize(attrs),
      rulesFor: (user, namespace) => this.rbac.authorizer.rulesFor(user, namespace),
      tokenAuthenticators, apiAudiences,
    };
    this.decodeReview = (r, obj) => {
      const { errors } = hooks.decode(r, obj);
      if (errors.length > 0) throw invalidError(r.kind, r.group, "", errors);
    };
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
    const policy = await this.rbac.start(this.shutdown.signal);
    if (this.opts.authorizationModes?.includes("Node")) {
      await followStore(this.restFor("", "pods"), this.nodeGraph.podHandlers, this.shutdown.signal);
      await followStore(this.restFor("", "persistentvolumeclaims"), this.nodeGraph.claimHandlers, this.shutdown.signal);
    }
    await this.opts.store.watch(namespaces.prefix(), 0, (e) => {
      if (e.type === "MODIFIED" && namespaces.decode(e.kv).metadata.deletionTimestamp) this.finalize(namespaces.decode(e.kv).metadata.name!);
    }, this.shutdown.signal);
    for (const ns of (await namespaces.list(undefined, { labels: Selector.everything(), fields: [], limit: 0 })).items) {
      if (ns.metadata.deletionTimestamp) this.finalize(ns.metadata.name!);
    }
    this.startCompaction();
    const actual = await this.server.listen(port, host);
    // Said once the port is ours: a start that fails on a taken port says only that.
    if (policy.created.length + policy.updated.length > 0) this.log({ level: "info", msg: "Reconciled the RBAC bootstrap policy", created: policy.created.length, updated: policy.updated.length });
    this.address = `${host}:${actual}`;
    const rests = { services: this.restFor("", "services"), endpoints: this.restFor("", "endpoints"), endpointSlices: this.restFor("discovery.k8s.io", "endpointslices") };
    const ip = this.opts.advertiseAddress ?? await this.listenOnAdvertiseAddress(host, actual);
    this.jwksUri = this.opts.serviceAccountJwksUri ?? `https://${ip}:${actual}/openid/v1/jwks`;
    // What /api's serverAddressByClientCIDRs names, as upstream: the advertise address.
    this.address = `${ip}:${actual}`;
    for (const conflict of await bootstrapServices(rests, this.serviceAllocations, { port: actual })) {
      this.log({ level: "warning", msg: "Service allocation conflict", conflict });
    }
    this.presence = new Presence({
      store: this.opts.store, rests: { ...rests, leases: this.restFor("coordination.k8s.io", "leases") }, allocations: this.serviceAllocations,
      ip, port: actual, hostname: this.opts.hostname, endpointReconcilerType: this.opts.endpointReconcilerType, clock: this.clock, log: (e) => this.log(e),
    });
    await this.presence.start();
    return actual;
  }

  /** The address the `kubernetes` Service's endpoints name: the advertise address, listened on too when asked, else where it listens. */
  private async listenOnAdvertiseAddress(host: string, port: number): Promise<string> {
    const ip = advertiseAddress(host);
    if (!this.opts.bindAdvertiseAddress || ip === host || host === "0.0.0.0" || ip.startsWith("127.")) return ip;
    const listener = new Listener((req, res) => void this.handle(req, res), this.opts.certs);
    try {
      await listener.listen(port, ip);
      this.advertised = listener;
      return ip;
    } catch (err) {
      this.log({ level: "warning", msg: "Cannot listen on the advertise address; the kubernetes Service points at the listening address", address: `${ip}:${port}`, err: String(err) });
      return host;
    }
  }

  /** Every interval, forgets the history written before the previous round, as kube-apiserver does with etcd. */
  private startCompaction(): void {
    if (this.opts.compactionIntervalMs === 0) return;
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
    // A clean stop takes this server out of the `kubernetes` Service's endpoints at once.
    await this.presence?.stop();
    this.presence = undefined;
    this.shutdown.abort();
    await Promise.all([this.server.close(), this.advertised?.close()]);
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
      const user = await this.identify(req, url);
      await withUser(user, () => this.serve(req, res, url, user));
    } catch (err) {
      const status = sendError(res, err);
      if (status.code >= 500) this.log({ level: "error", msg: "Request failed", method: req.method, url: req.url, err: err instanceof Error ? err.stack : String(err) });
    }
  }

  /**
   * The request's user, once it may do what it asks: authentication (401), impersonation (403 unless
   * the user may impersonate whom it names), authorization (403), as upstream's filters run in turn.
   */
  private async identify(req: IncomingMessage, url: { pathname: string; searchParams: URLSearchParams }): Promise<UserInfo> {
    let user = this.authenticators ? await authenticate(req, url.pathname, this.authenticators) : UNAUTHENTICATED_USER;
    if (wantsImpersonation(req)) user = await impersonate(req, user, this.authz);
    if (this.authz) await authorize(requestAttributes(req.method ?? "GET", url.pathname, url.searchParams, user), this.authz);
    return user;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: { pathname: string; searchParams: URLSearchParams }, user: UserInfo): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (["/healthz", "/livez", "/readyz"].includes(path) || path.startsWith("/healthz/") || path.startsWith("/livez/") || path.startsWith("/readyz/")) {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      return void res.end("ok");
    }
    if (path === "/version") return sendJson(res, 200, { ...KUBERNETES_VERSION, gitCommit: "", gitTreeState: "clean", buildDate: "", goVersion: "", compiler: "tugboat", platform: `${process.platform}/${process.arch}` });
    if (path.startsWith("/openapi/")) return this.openapi.serve(req, res, path);
    const sa = this.serviceAccountTokens;
    if (sa && ServiceAccountTokens.servesPath(path)) return await sa.serveDiscovery(res, path, this.jwksUri);
    const route = resolve(path, this.byGroupVersion);
    if (sa && await sa.serveResource(req, res, route)) return;
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
        if (route.route.resource.review) return await serveReview(req, res, route.route, this.decodeReview, { ...this.reviewContext, user });
        return await handleResource(req, res, url.searchParams, route.route, this.context());
      default:
        throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    }
  }

  private context(): HandlerContext {
    return {
      rest: (route: ResourceRoute) => this.rests.get(route.resource)!,
      pods: this.restFor("", "pods"),
      nodes: this.restFor("", "nodes"),
      proxyStores: () => ({ pods: this.restFor("", "pods"), services: this.restFor("", "services"), endpoints: this.restFor("", "endpoints"), nodes: this.restFor("", "nodes") }),
      kubelet: this.opts.kubeletClient ?? { token: this.opts.token },
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
