import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusError } from "../src/api/errors.js";
import type { KubeObject } from "../src/api/types.js";
import { requestAttributes } from "../src/apiserver/auth/request-info.js";
import type { RequestAttributes, UserInfo } from "../src/apiserver/auth/types.js";
import { ApiServer } from "../src/apiserver/server.js";
import { RestClient } from "../src/client/rest.js";
import { PODS, SECRETS } from "../src/client/resources.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { fromRuns, median, type Figure } from "./figure.js";
import { percentile } from "./harness.js";

const G = "rbac.authorization.k8s.io";
const ROLES = 500;
const BINDINGS = 2000;
const ROUNDS = 15;
/** Pod creates per server per round. */
const CREATES = 2000;
/** The benchmark's user: an ordinary user of a token file, allowed by exactly one of the 2,000 bindings. */
const USER: UserInfo = { name: "bench-user", uid: "bench-uid", groups: [] };
const TOKEN = "bench-user-token";
/** The static admin token (system:masters) of the kubelet-like pod watch both servers serve. */
const ADMIN_TOKEN = "bench-admin-token";

const pod = (name: string): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench" } },
  spec: { schedulerName: "bench-unscheduled", containers: [{ name: "app", image: "ikubernetes/myapp:v1" }] },
});

/** 500 Roles and 2,000 RoleBindings and ClusterRoleBindings for other users and groups, and one binding for USER. */
async function seed(server: ApiServer): Promise<void> {
  // As in any cluster (the ServiceAccount controller makes it): without it, admission looks it up in vain on every pod create.
  await server.restFor("", "serviceaccounts").create("default", { metadata: { name: "default" } } as KubeObject);
  const rest = (plural: string) => server.restFor(G, plural);
  for (let i = 0; i < ROLES; i++) {
    await rest("roles").create("default", { metadata: { name: `role-${i}` }, rules: [
      { verbs: ["get", "list", "watch"], apiGroups: [""], resources: [`things-${i}`, "configmaps"] },
      { verbs: ["create", "update"], apiGroups: ["apps"], resources: ["deployments", `widgets-${i}`] },
      { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: [`secret-${i}`] },
    ] } as KubeObject);
  }
  await rest("roles").create("default", { metadata: { name: "pod-writer" }, rules: [{ verbs: ["get", "list", "create"], apiGroups: [""], resources: ["pods"] }] } as KubeObject);
  for (let i = 0; i < BINDINGS - 1; i++) {
    const cluster = i % 4 === 3;
    const subjects = [{ kind: "User", name: `user-${i}` }, { kind: "Group", name: `group-${i % 100}` }, { kind: "ServiceAccount", name: `sa-${i}`, namespace: "default" }];
    if (cluster) await rest("clusterrolebindings").create(undefined, { metadata: { name: `crb-${i}` }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "view" }, subjects } as KubeObject);
    else await rest("rolebindings").create("default", { metadata: { name: `rb-${i}` }, roleRef: { apiGroup: G, kind: "Role", name: `role-${i % ROLES}` }, subjects } as KubeObject);
  }
  await rest("rolebindings").create("default", { metadata: { name: "bench-user" }, roleRef: { apiGroup: G, kind: "Role", name: "pod-writer" }, subjects: [{ kind: "User", name: USER.name }] } as KubeObject);
}

/** `total` pod creates by `concurrency` workers: creates/s, and this process's CPU time per create (µs). */
async function creates(client: RestClient, prefix: string, total: number, concurrency: number): Promise<{ rate: number; cpu: number }> {
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await client.create(PODS, "default", pod(`${prefix}-${next++}`));
  }));
  const used = process.cpuUsage(cpu);
  return { rate: total / ((performance.now() - started) / 1000), cpu: (used.user + used.system) / total };
}

/**
 * A paced GET load whose requests alternate between the two servers, so both see the same moments of the
 * shared machine (GC, other processes): each server's p99 over the same window.
 */
async function pacedGetP99(clients: { on: RestClient; off: RestClient }, names: string[], rps: number, seconds: number): Promise<{ on: number; off: number }> {
  const latencies = { on: [] as number[], off: [] as number[] };
  const gets: Array<Promise<void>> = [];
  const begin = performance.now();
  for (let i = 0; i < rps * seconds; i++) {
    const wait = begin + (i * 1000) / rps - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const mode = i % 2 === 0 ? "on" : "off";
    const t0 = performance.now();
    gets.push(clients[mode].get(PODS, "default", names[i % names.length]!).then(() => void latencies[mode].push(performance.now() - t0)));
  }
  await Promise.all(gets);
  const p99 = (xs: number[]) => percentile(xs.sort((a, b) => a - b), 99);
  return { on: p99(latencies.on), off: p99(latencies.off) };
}

/** What the section measures, under its title in the report. */
export const RBAC_ABOUT = [
  "What is measured: two API servers in the bench process, each on its own SQLite store seeded with the same 500 Roles and",
  "2,000 bindings (1,500 RoleBindings, 500 ClusterRoleBindings, 3 subjects each) and the default ServiceAccount. Both authenticate one token-file user",
  "(bench-user, not system:masters, which skips the authorizer) and serve one kubelet-like pod watch (fieldSelector",
  "spec.nodeName), as every cluster does; one runs `--authorization-mode=Node,RBAC`, where the user is allowed by exactly",
  "one RoleBinding (a Secret GET is checked to be 403 there and 404 on the other server), the other no authorization.",
  "Clients reach the servers through the in-process transport, so each request runs the server's whole handler —",
  "authentication, request info, the Node-then-RBAC union, then the REST handler — without socket or TLS, which makes",
  `the authorizer's share larger than over HTTPS. Each of ${ROUNDS} rounds times 2,000 pod creates (8 workers) on each server,`,
  "in halves ordered A–B–B–A (which server goes first alternates by round), then a 1,000 requests/s single-pod GET load for 2 s whose requests",
  "alternate between the servers. Figures are medians over the rounds; the paired rows are the median of each round's own",
  "ratio. The machine is shared (2 cores, load 3–9 during these runs): wall-clock figures swing by tens of percent from",
  "round to round, and this process's CPU time per create is the steadier comparison.",
].join(" ");

/** The status code a request ends with (200 when it succeeds). */
async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (err) {
    if (err instanceof StatusError) return err.code;
    throw err;
  }
}

/**
 * Issue 23's figure. Two API servers in this process, each on its own SQLite store seeded with the same
 * 500 Roles and 2,000 bindings, both authenticating the benchmark's bearer token through a token file
 * (an ordinary user, not system:masters); one authorizes with `--authorization-mode=Node,RBAC`, the other
 * not at all. Clients reach them through the in-process transport, so every request runs the server's
 * whole handler — authentication, the authorization filter (request info, the Node-then-RBAC union, 403s),
 * then the REST handler — without a socket or TLS: the authorizer's share is larger than over HTTPS.
 */
export async function rbacBenchmarks(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), "tug-bench-rbac-"));
  const stores = { on: new SqliteStore(join(dir, "on.sqlite")), off: new SqliteStore(join(dir, "off.sqlite")) };
  const tokenFile = new Map([[TOKEN, USER]]);
  const servers = {
    on: new ApiServer({ store: stores.on, log: () => {}, token: ADMIN_TOKEN, tokenFile, authorizationModes: ["Node", "RBAC"] }),
    off: new ApiServer({ store: stores.off, log: () => {}, token: ADMIN_TOKEN, tokenFile }),
  };
  const watching = new AbortController();
  let watches: Array<Promise<void>> = [];
  try {
    for (const server of [servers.on, servers.off]) {
      await server.listen(0);
      await seed(server);
    }
    const authorizer = servers.on.rbac.authorizer;
    const user = { ...USER, groups: ["system:authenticated"] };
    const probe = requestAttributes("GET", "/api/v1/namespaces/default/pods/x", new URLSearchParams(), user);
    for (const deadline = Date.now() + 30_000; authorizer.authorize(probe).decision !== "allow";) {
      if (Date.now() > deadline) throw new Error("the benchmark user's binding never reached the authorizer's cache");
      await new Promise((r) => setTimeout(r, 10));
    }
    const client = (server: ApiServer) => new RestClient({ server: "http://in-process", token: TOKEN, transport: server.transport() });
    const clients = { on: client(servers.on), off: client(servers.off) };
    // Every cluster watches pods by node (kubelets, as here, and the scheduler): the server decodes each
    // pod once for all such watches, the Node authorizer's graph included. Without one, RBAC on would
    // pay that decode alone, which no cluster does.
    watches = [servers.on, servers.off].map((server) => new RestClient({ server: "http://in-process", token: ADMIN_TOKEN, transport: server.transport() })
      .watch(PODS, undefined, { fieldSelector: "spec.nodeName=bench-node" }, () => {}, watching.signal));
    // The two servers differ only in authorization: the user reads no Secret with RBAC on, any without.
    const secrets = { on: await statusOf(clients.on.get(SECRETS, "default", "s")), off: await statusOf(clients.off.get(SECRETS, "default", "s")) };
    if (secrets.on !== 403 || secrets.off !== 404) throw new Error(`expected 403 with RBAC on and 404 with it off for a Secret, got ${secrets.on} and ${secrets.off}`);
    await creates(clients.on, "warm", 1000, 8);
    await creates(clients.off, "warm", 1000, 8);
    const names = Array.from({ length: 1000 }, (_, i) => `warm-${i}`);
    // Rounds alternate which server goes first, so a drift in the machine's load favours neither.
    const createRuns = { on: [] as number[], off: [] as number[], ratio: [] as number[], cpuOn: [] as number[], cpuOff: [] as number[] };
    const getRuns = { on: [] as number[], off: [] as number[], ratio: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // A–B–B–A: half the round's creates on each side of the other server's, so a drift within the round cancels.
      const order = round % 2 === 0 ? (["on", "off", "off", "on"] as const) : (["off", "on", "on", "off"] as const);
      const phase = { on: { seconds: 0, cpu: 0 }, off: { seconds: 0, cpu: 0 } };
      for (const [i, mode] of order.entries()) {
        const r = await creates(clients[mode], `r${round}-${i}`, CREATES / 2, 8);
        phase[mode].seconds += CREATES / 2 / r.rate;
        phase[mode].cpu += r.cpu / 2;
      }
      createRuns.on.push(CREATES / phase.on.seconds);
      createRuns.off.push(CREATES / phase.off.seconds);
      createRuns.ratio.push(phase.off.seconds / phase.on.seconds);
      createRuns.cpuOn.push(phase.on.cpu);
      createRuns.cpuOff.push(phase.off.cpu);
      const p99 = await pacedGetP99(clients, names, 1000, 2);
      getRuns.on.push(p99.on);
      getRuns.off.push(p99.off);
      getRuns.ratio.push(p99.off / p99.on);
    }
    // The authorizer alone: decisions/s for the allowed GET, and for a user no binding names (every candidate list empty).
    const decisions = (attrs: RequestAttributes) => {
      const n = 200_000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) authorizer.authorize(attrs);
      return n / ((performance.now() - t0) / 1000);
    };
    const allowedRate = [decisions(probe), decisions(probe), decisions(probe)];
    const stranger = { ...probe, user: { name: "nobody", groups: ["system:authenticated"] } };
    const deniedRate = [decisions(stranger), decisions(stranger), decisions(stranger)];
    const offCreates = { name: "RBAC off", value: median(createRuns.off), unit: "creates/s" };
    const offCpu = { name: "RBAC off", value: median(createRuns.cpuOff), unit: "µs" };
    const offGet = { name: "RBAC off", value: median(getRuns.off), unit: "ms" };
    const setting = `${ROLES} Roles, ${BINDINGS} bindings (1,500 RoleBindings, 500 ClusterRoleBindings, 3 subjects each)`;
    const paired = `median of the ${ROUNDS} rounds' own ratios`;
    return [
      fromRuns(`RBAC off: pod creates/s, 8 in-process clients of a token-file user, ${CREATES.toLocaleString("en-US")} pods a round in two halves (${ROUNDS} rounds, A–B–B–A with RBAC on)`, createRuns.off, "creates/s", "(reported)", () => true),
      fromRuns(`RBAC on (Node,RBAC): the same, as a user allowed by one RoleBinding; ${setting}`, createRuns.on, "creates/s", "(reported)", () => true,
        { against: offCreates, detail: "medians of separate rounds: the paired ratio below is the goal's figure" }),
      fromRuns(`RBAC on ÷ off, creates/s, round by round (${paired})`, createRuns.ratio, "×", "≥ 0.9× RBAC off", (v) => v >= 0.9),
      fromRuns("RBAC off: this process's CPU time per pod create (the same phases)", createRuns.cpuOff, "µs", "(reported)", () => true),
      fromRuns("RBAC on: this process's CPU time per pod create", createRuns.cpuOn, "µs", "(reported)", () => true,
        { against: offCpu, detail: "CPU time is what other processes on the machine disturb least" }),
      fromRuns(`RBAC off: GET p99, half of a 1,000 requests/s load for 2 s (${ROUNDS} rounds)`, getRuns.off, "ms", "(reported)", () => true),
      fromRuns("RBAC on: GET p99, the other half of the same load (requests alternate between the servers), the same user", getRuns.on, "ms", "(reported)", () => true, { against: offGet }),
      fromRuns(`RBAC off ÷ on, GET p99, round by round (${paired}; ≥ 0.9 is at least 0.9× as fast)`, getRuns.ratio, "×", "≥ 0.9× RBAC off", (v) => v >= 0.9),
      fromRuns("RBAC authorizer alone: decisions/s, the allowed GET (3 bootstrap ClusterRoleBindings of system:authenticated, then the user's RoleBinding)", allowedRate, "decisions/s", "(reported)", () => true),
      fromRuns("RBAC authorizer alone: decisions/s, a user no binding names (no opinion)", deniedRate, "decisions/s", "(reported)", () => true),
    ];
  } finally {
    watching.abort();
    await Promise.allSettled(watches);
    await servers.on.close();
    await servers.off.close();
    await stores.on.close();
    await stores.off.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
