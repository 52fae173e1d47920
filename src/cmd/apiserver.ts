import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { issueCertificate } from "../api/pki/certificates.js";
import { DEFAULT_ISSUER, type ServiceAccountKey } from "../apiserver/auth/serviceaccount/index.js";
import { ApiServer } from "../apiserver/server.js";
import { cidrRange } from "../apiserver/services/ranges.js";
import type { Store } from "../store/store.js";
import { loadOrCreateComponentTokens, type ComponentTokens } from "./identities.js";
import { adminKubeconfig } from "./kubeconfig.js";
import { componentLog, type Log } from "./logger.js";
import { stopOnSignals } from "./signals.js";
import { openStore, type StoreChoice } from "./store.js";
import { loadOrCreatePki, type Pki } from "./pki.js";
import { bindPort } from "./ports.js";
import { loadOrCreateServiceAccountKey } from "./service-account-key.js";

/** What an API server of `tug up` or `tug apiserver` is started with. */
export interface ApiServerFlags {
  /** --store and the --etcd-* flags. */
  store: "sqlite" | "memory" | StoreChoice;
  /** SQLite's DIR/state.sqlite, pki/ and the kubeconfig. */
  dataDir: string;
  /** --secure-port (tug up: --port). */
  port: number;
  /** --bind-address (tug up: --host). */
  host: string;
  /** --advertise-address: what the `kubernetes` Service's endpoints name for this server (default: see ApiServer). */
  advertiseAddress?: string;
  serviceClusterIPRange: string;
  serviceAccountIssuer?: string;
  compactionIntervalMs?: number;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** --endpoint-reconciler-type: lease (default) or none (the kubernetes endpoints are left alone). */
  endpointReconcilerType?: "lease" | "none";
  /** Node agents run by this process (tug up), who get tokens of their own in pki/tokens.csv. */
  nodeNames?: string[];
}

/** A started API server and the PKI and identities of its data dir, for the components a command runs beside it. */
export interface StartedApiServer {
  server: ApiServer;
  store: Store;
  url: string;
  /** DIR/kubeconfig: the admin's, naming this server. */
  kubeconfig: string;
  pki: Pki;
  ids: ComponentTokens;
  saKey: ServiceAccountKey;
  close(): Promise<void>;
}

/**
 * Opens the store, loads or makes the data dir's PKI (a CA, serving and admin certificates, the component
 * tokens, the service account key), and serves HTTPS once the port is bound; then writes DIR/kubeconfig.
 * Several `tug apiserver`s on one etcd share the data dir's pki/ (copied to each machine).
 */
export async function startApiServer(opts: ApiServerFlags, log: Log, apiLog: Log = log): Promise<StartedApiServer> {
  let store: Store | undefined;
  let server: ApiServer | undefined;
  try {
    mkdirSync(opts.dataDir, { recursive: true });
    // The serving certificate carries the `kubernetes` Service's cluster IP: pods reach the API server there.
    const serviceIPs = cidrRange(opts.serviceClusterIPRange, "");
    const pki = await loadOrCreatePki(opts.dataDir, log, [serviceIPs.format(serviceIPs.first), ...(opts.advertiseAddress ? [opts.advertiseAddress] : [])]);
    const saKey = await loadOrCreateServiceAccountKey(opts.dataDir);
    const issuer = opts.serviceAccountIssuer ?? DEFAULT_ISSUER;
    const opened = await openStore(typeof opts.store === "string" ? { kind: opts.store } : opts.store, {
      dataDir: opts.dataDir, compactionIntervalMs: opts.compactionIntervalMs, log: apiLog,
    });
    store = opened.store;
    // Every component and node agent is its own user (pki/tokens.csv); the API server reaches node agents
    // with its own client certificate and checks theirs.
    const ids = loadOrCreateComponentTokens(opts.dataDir, opts.nodeNames ?? []);
    const kubeletClient = await issueCertificate(pki.ca, { commonName: "kube-apiserver-kubelet-client", organizations: ["system:masters"], usage: "client", now: new Date() });
    server = new ApiServer({
      store, certs: pki.serving, token: pki.token, bindAdvertiseAddress: opts.advertiseAddress === undefined, advertiseAddress: opts.advertiseAddress,
      endpointReconcilerType: opts.endpointReconcilerType,
      authorizationModes: ["Node", "RBAC"], tokenFile: ids.tokens, enableBootstrapTokenAuth: true,
      kubeletClient: { ca: pki.ca.cert, cert: kubeletClient.cert, key: kubeletClient.key }, serviceAccounts: { key: saKey, issuer, audiences: [issuer] },
      serviceClusterIPRange: opts.serviceClusterIPRange, log: apiLog, compactionIntervalMs: opened.apiServerCompactionMs,
      defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
    });
    const api = server;
    const port = await bindPort({ port: opts.port, host: opts.host, what: "the API server", flag: "--port" }, () => api.listen(opts.port, opts.host));
    const url = `https://${opts.host === "0.0.0.0" ? "127.0.0.1" : opts.host}:${port}`;
    const kubeconfig = join(opts.dataDir, "kubeconfig");
    writeFileSync(kubeconfig, adminKubeconfig(url, pki.serving.caCert, { clientCertificate: pki.admin.cert, clientKey: pki.admin.key }), { mode: 0o600 });
    const running = { server, store };
    return {
      server, store, url, kubeconfig, pki, ids, saKey,
      async close() {
        await running.server.close();
        await running.store.close();
      },
    };
  } catch (err) {
    await server?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    throw err;
  }
}

/** `tug apiserver`: one API server in the foreground until SIGINT or SIGTERM (then it leaves the `kubernetes` endpoints). */
export async function apiserver(opts: ApiServerFlags, logger: Logger): Promise<void> {
  const log = componentLog(logger, "apiserver");
  const started = await startApiServer(opts, log);
  log({ level: "info", msg: "API server is up", server: started.url, kubeconfig: started.kubeconfig });
  stopOnSignals(log, () => started.close());
}
