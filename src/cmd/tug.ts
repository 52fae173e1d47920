import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { apiserver, type ApiServerFlags } from "./apiserver.js";
import { controllerManager } from "./controller-manager.js";
import { scheduler } from "./scheduler.js";
import { LEADER_ELECT_FLAGS, leaderElectConfig, leaderElectUsage, type LeaderElectConfig } from "./leader-elect.js";
import { node } from "./node.js";
import type { Logger } from "pino";
import { createLogger } from "./logger.js";
import { PortUnavailableError } from "./ports.js";
import { KubeconfigError } from "../client/kubeconfig.js";
import { loadKubeconfig, RestClient } from "../client/rest.js";
import { createBootstrapToken, DEFAULT_TOKEN_TTL_MS } from "./bootstrap-tokens.js";
import { JoinError } from "./node-join.js";
import { userKubeconfig } from "./user-kubeconfig.js";
import { DEFAULT_CLUSTER_CIDR, up } from "./up.js";
import type { NodeIpamFlags } from "./components.js";
import { CidrSet } from "../controllers/node-ipam/cidr-set.js";
import { SERVICE_CIDR } from "../apiserver/services/allocations.js";
import { cidrRange } from "../apiserver/services/ranges.js";
import { STORE_FLAGS, STORE_PATH_FLAGS, STORE_USAGE, storeChoice, StoreFlagError, type StoreChoice } from "./store.js";
import { RuntimeUnavailableError } from "../node/runtime/containerd/cri-client.js";
import type { ContainerdFlags } from "../node/runtime/containerd/open.js";
import { IMAGE_FLAGS, IMAGE_USAGE, imageFlags } from "./image-flags.js";

const UP_USAGE = `  up      Run the all-in-one cluster in the foreground
          --data-dir DIR   where state, certificates and the kubeconfig live (default ~/.tugboat)
          --port N         API server port (default 6443; 0 picks a free one)
          --host ADDR      address to listen on (default 127.0.0.1)
          --nodes N        how many nodes to run (default 1)
          --runtime R      process (real processes; default), containerd (containers from images through
                           containerd's CRI; needs root) or simulated (pods are data, KWOK-style)
          --container-runtime-endpoint URL  with --runtime containerd: the CRI socket (unix:///run/containerd/containerd.sock);
                           default: a containerd of Tugboat's own under DIR
          --registry-mirrors LIST  with Tugboat's own containerd: host=endpoint,… (e.g. docker.io=http://127.0.0.1:5000)
${IMAGE_USAGE}          --node-monitor-grace-period D                (default 40s)
          --controller-manager-port N  where /metrics of the controllers is served on 127.0.0.1 (default 10257)
          --default-not-ready-toleration-seconds N     (default 300)
          --default-unreachable-toleration-seconds N   (default 300)
          --service-cluster-ip-range CIDR  Services' cluster IPs (default 10.96.0.0/12; DNS on its tenth address)
          --cluster-cidr CIDR          the nodes' pod CIDRs are cut from it (default 10.88.0.0/16)
          --allocate-node-cidrs B      the controller manager gives each node a pod CIDR (default true)
          --node-cidr-mask-size N      each node's pod CIDR is a /N of --cluster-cidr (default 24)
${STORE_USAGE}          --etcd-compaction-interval D  how often the store forgets the history before the previous round
                           (kube-apiserver's flag; every store; default 5m)
          --logging-format F   text (human-readable lines; the default on a terminal) or json (the default otherwise)
          --service-account-issuer URL  the iss of service account tokens (default https://kubernetes.default.svc.cluster.local)
          --write-kubeconfig-context  merge a "tugboat" cluster, user and context into $KUBECONFIG's first file
                           (or ~/.kube/config) and make it current, leaving every other entry alone (as kind does)
`;

const CONTROLLER_MANAGER_USAGE = `  controller-manager  Run the controllers against a running API server, in the foreground
          --kubeconfig FILE  how to reach the API server (required)
          --server URLS      the API servers to use instead of the kubeconfig's, comma-separated (the next
                           when one can't be reached)
          --port N           /metrics and /healthz (default 10257)
${leaderElectUsage("kube-controller-manager")}          --concurrent-replicaset-syncs N --concurrent-rc-syncs N --concurrent-gc-syncs N   (5, 5, 20)
          --node-monitor-grace-period D  (default 40s)
          --allocate-node-cidrs B      give each node a pod CIDR from --cluster-cidr (default false)
          --cluster-cidr CIDR          required with --allocate-node-cidrs true
          --node-cidr-mask-size N      (default 24)
          --service-cluster-ip-range CIDR  no node gets addresses of it where it overlaps --cluster-cidr
          --service-account-private-key-file FILE  fill legacy service account token Secrets, signed with it (DIR/pki/sa.key)
          --cluster-signing-cert-file FILE --cluster-signing-key-file FILE  the CA (PEM) that signs
                           kubernetes.io/kube-apiserver-client CSRs (tug up's: DIR/pki/ca.crt and ca.key)
          --logging-format F   text or json (default: text on a terminal, json otherwise)
`;

const APISERVER_USAGE = `  apiserver  Run one API server in the foreground (several share one store: --store etcd)
          --data-dir DIR     the store (sqlite: DIR/state.sqlite), pki/ and kubeconfig (default ~/.tugboat);
                           API servers of one cluster share pki/ (copy it to each machine)
          --secure-port N    HTTPS port (default 6443; 0 picks a free one)
          --bind-address ADDR  address to listen on (default 0.0.0.0)
          --advertise-address ADDR  what the kubernetes Service's endpoints name for this server
                           (default: the host's first IPv4)
          --endpoint-reconciler-type T  lease (default: every live API server in the kubernetes endpoints) or none
${STORE_USAGE}          --service-cluster-ip-range CIDR  --service-account-issuer URL  --etcd-compaction-interval D
          --default-not-ready-toleration-seconds N  --default-unreachable-toleration-seconds N   (as tug up)
          --logging-format F   text or json (default: text on a terminal, json otherwise)
`;

const SCHEDULER_USAGE = `  scheduler  Run the scheduler against a running API server, in the foreground
          --kubeconfig FILE  how to reach the API server (required)
          --server URLS      the API servers to use instead of the kubeconfig's, comma-separated
${leaderElectUsage("kube-scheduler")}          --logging-format F   text or json (default: text on a terminal, json otherwise)
`;

const NODE_USAGE = `  node    Join one more node to a running cluster, in the foreground
          --kubeconfig FILE  how to reach the API server (and as whom, without --token)
          --server URLS      the API servers to use instead of the kubeconfig's, comma-separated: the agent
                           moves to the next when one can't be reached (or give one load balancer address)
          --certificate-authority FILE  the API server's CA (with --server, instead of --kubeconfig)
          --token ID.SECRET  a bootstrap token (tug token create): the node asks for its own client and
                           serving certificates (CSRs, approved by the controller manager) and keeps them in
                           DIR/nodes/NAME/pki; a restart reuses them, so the token is needed only once
          --name NAME        the node's name (default: this machine's hostname)
          --runtime R        process (default), containerd or simulated; on containerd, the pods' containers
                           keep running when the agent stops, and its next start adopts them
          --max-pods N       how many pods the node takes (its capacity and allocatable pods; default 110)
          --container-runtime-endpoint URL  with --runtime containerd (default: a containerd of Tugboat's own)
          --registry-mirrors LIST  with Tugboat's own containerd: host=endpoint,…
${IMAGE_USAGE}          --data-dir DIR     where the node keeps pod state and logs (default ~/.tugboat)
          --logging-format F   text or json (default: text on a terminal, json otherwise)
`;

const KUBECONFIG_USAGE = `  kubeconfig  Write a kubeconfig for a new user: a client certificate from the cluster CA (a CSR, approved as the admin)
          --user NAME        the user name (the certificate's CN; required)
          --group G          a group of the user (the certificate's O; repeatable)
          --kubeconfig FILE  the admin's kubeconfig (default: DIR/kubeconfig of --data-dir)
          --data-dir DIR     the cluster's data dir (default ~/.tugboat)
          --expiration-seconds N  how long the certificate lasts (default: the signer's, a year)
          --out FILE         write it there (mode 0600) instead of to stdout
`;

const TOKEN_USAGE = `  token create  Make a bootstrap token for tug node --token (as kubeadm token create) and print it
          --kubeconfig FILE  the admin's kubeconfig (default: DIR/kubeconfig of --data-dir)
          --data-dir DIR     the cluster's data dir (default ~/.tugboat)
          --ttl D            how long the token lasts (default 24h; 0 never expires)
          --description TEXT
          --print-join-command  print the whole tug node command that joins with it
`;

const USAGE = `Usage: tug <command> [flags]
       tug <command> --help   (flags of one command)
       tug --version

Commands:
${UP_USAGE}${APISERVER_USAGE}${CONTROLLER_MANAGER_USAGE}${SCHEDULER_USAGE}${NODE_USAGE}${KUBECONFIG_USAGE}${TOKEN_USAGE}`;

/** Each command's own usage, for `tug <command> --help`. */
const COMMAND_USAGE: Record<string, string> = {
  up: UP_USAGE, apiserver: APISERVER_USAGE, "controller-manager": CONTROLLER_MANAGER_USAGE, scheduler: SCHEDULER_USAGE, node: NODE_USAGE,
  kubeconfig: KUBECONFIG_USAGE, token: TOKEN_USAGE,
};

/** The version in package.json (dist/src/cmd/tug.js is three folders below it). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function fail(message: string): never {
  process.stderr.write(`tug: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${flag} needs a non-negative integer, got "${value}"`);
  return n;
}

/** A Go-style duration ("40s", "1m30s", "500ms") in milliseconds. */
export function parseDuration(value: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * (units[p[2] as string] as number), 0);
}

function durationFlag(value: string | undefined, flag = "node-monitor-grace-period", fallback = "40s"): number {
  const text = value ?? fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) fail(`--${flag} needs a duration such as ${fallback}, got "${text}"`);
  return ms;
}

function runtimeFlag(value: string | undefined): "process" | "simulated" | "containerd" {
  const runtime = value ?? "process";
  if (runtime !== "process" && runtime !== "simulated" && runtime !== "containerd") fail(`unknown runtime "${runtime}" (want process, containerd or simulated)`);
  return runtime;
}

function storeFlags(v: Record<string, string | undefined>): StoreChoice {
  try {
    return storeChoice(v);
  } catch (err) {
    if (err instanceof StoreFlagError) fail(err.message);
    throw err;
  }
}

/** --container-runtime-endpoint, --registry-mirrors (host=endpoint,…) and the image flags, for --runtime containerd. */
function containerdFlags(v: Record<string, string | undefined>, runtime: string): ContainerdFlags | undefined {
  const endpoint = v["container-runtime-endpoint"];
  const mirrors = v["registry-mirrors"];
  // The image flags are checked whatever the runtime (as the kubelet's configuration); only containerd has images to manage.
  const images = imageFlags(v);
  if (typeof images === "string") fail(images);
  if (runtime !== "containerd") {
    if (endpoint !== undefined || mirrors !== undefined) fail("--container-runtime-endpoint and --registry-mirrors go with --runtime containerd");
    return undefined;
  }
  if (endpoint !== undefined && !/^unix:\/\/\//.test(endpoint)) fail(`--container-runtime-endpoint needs a unix socket URL such as unix:///run/containerd/containerd.sock, got "${endpoint}"`);
  const registryMirrors: Record<string, string[]> = {};
  for (const item of (mirrors ?? "").split(",").filter(Boolean)) {
    const eq = item.indexOf("=");
    const host = item.slice(0, eq);
    const url = item.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\/[^/]+/.test(url)) fail(`--registry-mirrors needs host=http(s)://endpoint items, got "${item}"`);
    (registryMirrors[host] ??= []).push(url);
  }
  return { endpoint, registryMirrors, images };
}

/**
 * Flags that name files or directories. Each is resolved against the working directory here, once, so
 * nothing further in sees a relative path: a pod's process starts from `/` and hands such paths to
 * `nsenter`, where a relative one would name something else.
 */
const PATH_FLAGS = new Set([
  "data-dir", "kubeconfig", "out", "certificate-authority", "service-account-private-key-file", "cluster-signing-cert-file", "cluster-signing-key-file",
  ...STORE_PATH_FLAGS,
]);

/** --logging-format text|json (upstream's flag; absent: text on a terminal, json otherwise). */
function loggerFlag(value: string | undefined): Logger {
  if (value !== undefined && value !== "text" && value !== "json") fail(`--logging-format needs text or json, got "${value}"`);
  return createLogger({ format: value });
}

/** The --leader-elect flags of kube-controller-manager and kube-scheduler, checked as upstream checks them. */
function leaderElection(v: Record<string, string | undefined>, resourceName: string): LeaderElectConfig {
  const config = leaderElectConfig(v, resourceName, { boolean: booleanFlag, duration: (value, flag, fallback) => durationFlag(value, flag, fallback) });
  return typeof config === "string" ? fail(config) : config;
}

function booleanFlag(value: string | undefined, flag: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value !== "true" && value !== "false") fail(`--${flag} needs true or false, got "${value}"`);
  return value === "true";
}

/** The node IPAM flags, checked as the controller manager would (a bad range or mask size is a usage error). */
function nodeIpamFlags(v: Record<string, string | undefined>, defaults: { allocate: boolean; clusterCIDR?: string }): NodeIpamFlags | undefined {
  const allocate = booleanFlag(v["allocate-node-cidrs"], "allocate-node-cidrs", defaults.allocate);
  if (!allocate) return undefined;
  const clusterCIDR = v["cluster-cidr"] ?? defaults.clusterCIDR;
  if (!clusterCIDR) fail("--allocate-node-cidrs true needs --cluster-cidr");
  const nodeCIDRMaskSize = integer(v["node-cidr-mask-size"], "node-cidr-mask-size", 24);
  try {
    new CidrSet(clusterCIDR, nodeCIDRMaskSize);
  } catch (err) {
    fail(`--cluster-cidr / --node-cidr-mask-size: ${(err as Error).message}`);
  }
  return { clusterCIDR, nodeCIDRMaskSize };
}

/** --endpoint-reconciler-type lease|none (upstream's; its master-count is not offered). */
function endpointReconcilerFlag(value: string | undefined): "lease" | "none" {
  const type = value ?? "lease";
  if (type !== "lease" && type !== "none") fail(`--endpoint-reconciler-type needs lease or none, got "${type}"`);
  return type;
}

/** --server URL[,URL…]: each an http(s) URL. */
function serversFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const urls = value.split(",").map((u) => u.trim()).filter(Boolean);
  for (const u of urls) if (!/^https?:\/\/[^/]/.test(u)) fail(`--server needs https:// URLs separated by commas, got "${u}"`);
  return urls.length ? urls : fail("--server needs at least one URL");
}

/** The flags `tug up` and `tug apiserver` share: the store, the service range, tokens, tolerations. */
function apiServerFlags(v: Record<string, string | undefined>): Omit<ApiServerFlags, "port" | "host"> {
  const serviceClusterIPRange = v["service-cluster-ip-range"] ?? SERVICE_CIDR;
  try {
    cidrRange(serviceClusterIPRange, "");
  } catch {
    fail(`invalid --service-cluster-ip-range "${serviceClusterIPRange}": want an IPv4 CIDR such as ${SERVICE_CIDR}`);
  }
  return {
    serviceClusterIPRange,
    serviceAccountIssuer: v["service-account-issuer"],
    store: storeFlags(v),
    dataDir: v["data-dir"] ?? join(homedir(), ".tugboat"),
    compactionIntervalMs: durationFlag(v["etcd-compaction-interval"], "etcd-compaction-interval", "5m"),
    defaultNotReadyTolerationSeconds: integer(v["default-not-ready-toleration-seconds"], "default-not-ready-toleration-seconds", 300),
    defaultUnreachableTolerationSeconds: integer(v["default-unreachable-toleration-seconds"], "default-unreachable-toleration-seconds", 300),
  };
}

/** Parses `args`: `names` take a value, `switches` stand alone (their value is "true" when given). */
function flags(args: string[], names: string[], switches: string[] = []): Record<string, string | undefined> {
  let values: Record<string, string | undefined>;
  try {
    const options = Object.fromEntries([
      ...names.map((n) => [n, { type: "string" as const }]),
      ...switches.map((n) => [n, { type: "boolean" as const }]),
    ]);
    const parsed = parseArgs({ args, options, strict: true }).values as Record<string, string | boolean | undefined>;
    values = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === "boolean" ? String(v) : v]));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  for (const [name, value] of Object.entries(values)) {
    if (PATH_FLAGS.has(name) && value !== undefined) values[name] = value === "" ? fail(`--${name} needs a path`) : resolve(value);
  }
  return values;
}

/** `tug kubeconfig --user NAME [--group G]…`: see KUBECONFIG_USAGE. */
async function kubeconfigCommand(args: string[]): Promise<void> {
  let groups: string[] = [];
  try {
    groups = (parseArgs({ args, options: { group: { type: "string", multiple: true } }, strict: false }).values.group as string[] | undefined) ?? [];
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const withoutGroups = args.filter((a, i) => a !== "--group" && args[i - 1] !== "--group" && !a.startsWith("--group="));
  const v = flags(withoutGroups, ["user", "kubeconfig", "data-dir", "expiration-seconds", "out"]);
  if (!v.user) fail("tug kubeconfig needs --user");
  const expiration = v["expiration-seconds"] === undefined ? undefined : integer(v["expiration-seconds"], "expiration-seconds", 0);
  const kubeconfig = v.kubeconfig ?? join(v["data-dir"] ?? join(homedir(), ".tugboat"), "kubeconfig");
  const text = await userKubeconfig({ kubeconfig, user: v.user, groups, expirationSeconds: expiration });
  if (v.out) {
    writeFileSync(v.out, text, { mode: 0o600 });
    chmodSync(v.out, 0o600);
  } else {
    process.stdout.write(text);
  }
}

/** `tug token create`: see TOKEN_USAGE. */
async function tokenCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== "create") fail(`tug token needs a subcommand: create${sub === undefined ? "" : ` (got "${sub}")`}`);
  const v = flags(rest, ["kubeconfig", "data-dir", "ttl", "description"], ["print-join-command"]);
  const dataDir = v["data-dir"] ?? join(homedir(), ".tugboat");
  const ttlMs = v.ttl === undefined ? DEFAULT_TOKEN_TTL_MS : v.ttl === "0" ? 0 : durationFlag(v.ttl, "ttl", "24h");
  const connection = loadKubeconfig(v.kubeconfig ?? join(dataDir, "kubeconfig"));
  const client = new RestClient({ ...connection, userAgent: "tug-token" });
  try {
    const token = await createBootstrapToken(client, { ttlMs, description: v.description });
    const caFile = join(dataDir, "pki", "ca.crt");
    process.stdout.write(v["print-join-command"] === "true"
      ? `tug node --server ${connection.server} --certificate-authority ${existsSync(caFile) ? caFile : "CA.crt"} --token ${token} --name NAME\n`
      : `${token}\n`);
  } finally {
    client.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "--version" || command === "version") {
    process.stdout.write(`tug version ${version()}\n`);
    return;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    const usage = COMMAND_USAGE[command];
    if (usage === undefined) fail(`unknown command "${command}"`);
    process.stdout.write(`Usage: tug ${command} [flags]\n\n${usage}`);
    return;
  }
  if (command === "node") {
    const v = flags(rest, [
      "kubeconfig", "server", "certificate-authority", "token", "name", "runtime", "data-dir", "logging-format", "container-runtime-endpoint", "registry-mirrors", "max-pods",
      ...IMAGE_FLAGS,
    ]);
    const servers = serversFlag(v.server);
    const joining = v.token !== undefined || v["certificate-authority"] !== undefined;
    if (!v.kubeconfig && !(servers && v["certificate-authority"])) fail("tug node needs --kubeconfig, or --server and --certificate-authority (with --token to join)");
    const runtime = runtimeFlag(v.runtime);
    // Joining is the kubelet's TLS bootstrap (its serving certificate too): a simulated node has no kubelet.
    if (joining && runtime === "simulated") fail("tug node joins with its own certificates (--token, --certificate-authority) only with --runtime process or containerd");
    let ca: string | undefined;
    try {
      ca = v["certificate-authority"] === undefined ? undefined : readFileSync(v["certificate-authority"], "utf8");
    } catch (err) {
      fail(`cannot read --certificate-authority: ${(err as Error).message}`);
    }
    const logger = loggerFlag(v["logging-format"]);
    return node({
      kubeconfig: v.kubeconfig, join: joining ? { ca, token: v.token } : undefined, servers,
      name: v.name ?? hostname(), runtime, containerd: containerdFlags(v, runtime), dataDir: v["data-dir"] ?? join(homedir(), ".tugboat"),
      maxPods: integer(v["max-pods"], "max-pods", 110),
    }, logger);
  }
  if (command === "token") return tokenCommand(rest);
  if (command === "controller-manager") {
    const v = flags(rest, [
      "kubeconfig", "server", "port", ...LEADER_ELECT_FLAGS, "node-monitor-grace-period", "concurrent-replicaset-syncs", "concurrent-rc-syncs", "concurrent-gc-syncs",
      "allocate-node-cidrs", "cluster-cidr", "node-cidr-mask-size", "service-cluster-ip-range", "logging-format",
      "service-account-private-key-file", "cluster-signing-cert-file", "cluster-signing-key-file",
    ]);
    if (!v.kubeconfig) fail("tug controller-manager needs --kubeconfig");
    const keyFile = v["service-account-private-key-file"];
    let serviceAccountPrivateKey: string | undefined;
    try {
      serviceAccountPrivateKey = keyFile === undefined ? undefined : readFileSync(keyFile, "utf8");
    } catch (err) {
      fail(`cannot read --service-account-private-key-file "${keyFile}": ${(err as Error).message}`);
    }
    const signingFiles = [v["cluster-signing-cert-file"], v["cluster-signing-key-file"]];
    if (signingFiles.filter(Boolean).length === 1) fail("--cluster-signing-cert-file and --cluster-signing-key-file go together");
    let clusterSigning: { cert: string; key: string } | undefined;
    try {
      clusterSigning = signingFiles[0] && signingFiles[1] ? { cert: readFileSync(signingFiles[0], "utf8"), key: readFileSync(signingFiles[1], "utf8") } : undefined;
    } catch (err) {
      fail(`cannot read the cluster signing certificate or key: ${(err as Error).message}`);
    }
    const ipam = nodeIpamFlags(v, { allocate: false });
    return controllerManager({
      kubeconfig: v.kubeconfig, servers: serversFlag(v.server), port: integer(v.port, "port", 10257), leaderElection: leaderElection(v, "kube-controller-manager"),
      nodeIpam: ipam && { ...ipam, serviceCIDR: v["service-cluster-ip-range"] }, clusterSigning,
      nodeMonitorGracePeriodMs: durationFlag(v["node-monitor-grace-period"]),
      concurrentReplicaSetSyncs: integer(v["concurrent-replicaset-syncs"], "concurrent-replicaset-syncs", 5) || 1,
      concurrentRcSyncs: integer(v["concurrent-rc-syncs"], "concurrent-rc-syncs", 5) || 1,
      concurrentGcSyncs: integer(v["concurrent-gc-syncs"], "concurrent-gc-syncs", 20) || 1,
      serviceAccountPrivateKey,
    }, loggerFlag(v["logging-format"]));
  }
  if (command === "scheduler") {
    const v = flags(rest, ["kubeconfig", "server", ...LEADER_ELECT_FLAGS, "logging-format"]);
    if (!v.kubeconfig) fail("tug scheduler needs --kubeconfig");
    return scheduler({ kubeconfig: v.kubeconfig, servers: serversFlag(v.server), leaderElection: leaderElection(v, "kube-scheduler") }, loggerFlag(v["logging-format"]));
  }
  if (command === "apiserver") {
    const v = flags(rest, [
      "data-dir", "secure-port", "bind-address", "advertise-address", "endpoint-reconciler-type", ...STORE_FLAGS, "service-cluster-ip-range", "service-account-issuer",
      "etcd-compaction-interval", "default-not-ready-toleration-seconds", "default-unreachable-toleration-seconds", "logging-format",
    ]);
    const logger = loggerFlag(v["logging-format"]);
    return apiserver({
      ...apiServerFlags(v), port: integer(v["secure-port"], "secure-port", 6443), host: v["bind-address"] ?? "0.0.0.0", advertiseAddress: v["advertise-address"],
      endpointReconcilerType: endpointReconcilerFlag(v["endpoint-reconciler-type"]),
    }, logger);
  }
  if (command === "kubeconfig") return kubeconfigCommand(rest);
  if (command !== "up") fail(`unknown command "${command}"`);
  const v = flags(rest, [
    "data-dir", "port", "host", "nodes", "runtime", "node-monitor-grace-period", "controller-manager-port",
    "default-not-ready-toleration-seconds", "default-unreachable-toleration-seconds", "service-cluster-ip-range", ...STORE_FLAGS,
    "cluster-cidr", "allocate-node-cidrs", "node-cidr-mask-size", "logging-format", "etcd-compaction-interval",
    "service-account-issuer", "container-runtime-endpoint", "registry-mirrors", ...IMAGE_FLAGS,
  ], ["write-kubeconfig-context"]);
  const logger = loggerFlag(v["logging-format"]);
  await up({
    ...apiServerFlags(v),
    nodeIpam: nodeIpamFlags(v, { allocate: true, clusterCIDR: DEFAULT_CLUSTER_CIDR }) ?? false,
    writeKubeconfigContext: v["write-kubeconfig-context"] === "true",
    nodes: integer(v.nodes, "nodes", 1),
    runtime: runtimeFlag(v.runtime),
    containerd: containerdFlags(v, runtimeFlag(v.runtime)),
    port: integer(v.port, "port", 6443),
    host: v.host ?? "127.0.0.1",
    nodeMonitorGracePeriodMs: durationFlag(v["node-monitor-grace-period"]),
    controllerManagerPort: integer(v["controller-manager-port"], "controller-manager-port", 10257),
  }, logger);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // A port that is taken or a kubeconfig that can't be used is the user's to fix: one line naming it, no stack.
  const oneLine = err instanceof PortUnavailableError || err instanceof KubeconfigError || err instanceof JoinError || err instanceof RuntimeUnavailableError;
  const text = oneLine ? err.message : err instanceof Error ? err.stack ?? err.message : String(err);
  process.stderr.write(`tug: ${text}\n`);
  process.exit(1);
});
