import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusError } from "../src/api/errors.js";
import type { TransportRequest } from "../src/api/transport.js";
import type { KubeObject } from "../src/api/types.js";
import type { RequestAttributes, UserInfo } from "../src/apiserver/auth/types.js";
import { ApiServer } from "../src/apiserver/server.js";
import { RestClient } from "../src/client/rest.js";
import { PODS } from "../src/client/resources.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { fromRuns, median, type Figure } from "./figure.js";
import { percentile } from "./harness.js";

const G = "rbac.authorization.k8s.io";
const ROLES = 500;
const BINDINGS = 2000;
/** The benchmark's user: an ordinary authenticated user, allowed by exactly one of the 2,000 bindings. */
const USER: UserInfo = { name: "bench-user", groups: ["system:authenticated"] };

const pod = (name: string): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench" } },
  spec: { schedulerName: "bench-unscheduled", containers: [{ name: "app", image: "ikubernetes/myapp:v1" }] },
});

/**
 * What a request asks, as the authorization filter derives it (upstream's RequestInfo, enough for the
 * benchmark's paths): verb from the method and whether a name is given, group, resource, namespace, name.
 */
function attributesOf(req: TransportRequest, user: UserInfo): RequestAttributes {
  const path = req.path.split("?")[0]!;
  const parts = path.split("/").filter(Boolean);
  const [apiGroup, apiVersion, rest] = parts[0] === "api" ? ["", parts[1] ?? "", parts.slice(2)] : [parts[1] ?? "", parts[2] ?? "", parts.slice(3)];
  let namespace = "";
  let tail = rest;
  if (tail[0] === "namespaces" && tail.length > 2) {
    namespace = tail[1]!;
    tail = tail.slice(2);
  }
  const [resource = "", name = "", subresource = ""] = tail;
  const verbs: Record<string, string> = { POST: "create", PUT: "update", PATCH: "patch", DELETE: name ? "delete" : "deletecollection" };
  const verb = req.method === "GET" ? (name ? "get" : "list") : verbs[req.method] ?? req.method.toLowerCase();
  return { user, verb, resourceRequest: true, path, apiGroup, apiVersion, resource, subresource, namespace, name };
}

/** 500 Roles and 2,000 RoleBindings and ClusterRoleBindings for other users and groups, and one binding for USER. */
async function seed(server: ApiServer): Promise<void> {
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

async function creates(client: RestClient, prefix: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await client.create(PODS, "default", pod(`${prefix}-${next++}`));
  }));
  return total / ((performance.now() - started) / 1000);
}

/**
 * Pod creates from both clients at once, half the workers each, taking the next pod from one counter: each
 * client's creates/s over the same window (a slower client completes fewer).
 */
async function sharedCreates(clients: { on: RestClient; off: RestClient }, prefix: string, total: number, concurrency: number): Promise<{ on: number; off: number }> {
  let next = 0;
  const done = { on: 0, off: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    const mode = w % 2 === 0 ? "on" : "off";
    while (next < total) {
      await clients[mode].create(PODS, "default", pod(`${prefix}-${next++}`));
      done[mode]++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { on: done.on / seconds, off: done.off / seconds };
}

/**
 * A paced GET load whose requests alternate between the two clients, so both see the same moments of the
 * shared machine (GC, other processes): each client's p99 over the same window.
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

/**
 * Issue 23's figure. What is measured: one API server (SQLite) in this process holding 500 Roles and 2,000
 * bindings; its clients reach it through the in-process transport, with the authorization step as the
 * authorization filter will run it — each request's attributes derived, then (RBAC on) the RBAC authorizer
 * asked as a non-master user allowed by one RoleBinding, or (RBAC off) nothing asked. Both kinds of client
 * run at once, so each figure and its peer see the same moments of the shared machine. No TLS and no socket: the authorizer's share is larger here than over HTTPS.
 */
export async function rbacBenchmarks(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), "tug-bench-rbac-"));
  const store = new SqliteStore(join(dir, "state.sqlite"));
  const server = new ApiServer({ store, log: () => {} });
  try {
    await server.listen(0);
    await seed(server);
    const authorizer = server.rbac.authorizer;
    const probe = attributesOf({ method: "GET", path: "/api/v1/namespaces/default/pods/x", headers: {} }, USER);
    for (const deadline = Date.now() + 30_000; authorizer.authorize(probe).decision !== "allow";) {
      if (Date.now() > deadline) throw new Error("the benchmark user's binding never reached the authorizer's cache");
      await new Promise((r) => setTimeout(r, 10));
    }
    const transport = server.transport();
    const client = (rbac: boolean) => new RestClient({ server: "http://in-process", transport: (req) => {
      const attrs = attributesOf(req, USER);
      if (rbac && authorizer.authorize(attrs).decision !== "allow") return Promise.reject(new StatusError(403, "Forbidden", `${attrs.resource} is forbidden`));
      return transport(req);
    } });
    const on = client(true);
    const off = client(false);
    await creates(off, "warm", 1000, 8);
    const createRuns = { on: [] as number[], off: [] as number[] };
    const getRuns = { on: [] as number[], off: [] as number[] };
    const names = Array.from({ length: 1000 }, (_, i) => `warm-${i}`);
    for (let round = 0; round < 5; round++) {
      const rates = await sharedCreates({ on, off }, `r${round}`, 3000, 8);
      createRuns.on.push(rates.on);
      createRuns.off.push(rates.off);
    }
    for (let round = 0; round < 5; round++) {
      const p99 = await pacedGetP99({ on, off }, names, 1000, 3);
      getRuns.on.push(p99.on);
      getRuns.off.push(p99.off);
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
    const offGet = { name: "RBAC off", value: median(getRuns.off), unit: "ms" };
    const setting = `${ROLES} Roles, ${BINDINGS} bindings (1,500 RoleBindings, 500 ClusterRoleBindings, 3 subjects each)`;
    return [
      fromRuns("RBAC off: pod creates/s of 4 in-process clients, while 4 RBAC-on clients create too (5 rounds of 3,000 pods in all)", createRuns.off, "creates/s", "(reported)", () => true),
      fromRuns(`RBAC on: pod creates/s of the other 4 clients in the same window, as a user allowed by one RoleBinding; ${setting}`, createRuns.on, "creates/s", "≥ 0.9× RBAC off", (v) => v >= 0.9 * offCreates.value,
        { against: offCreates, detail: "the server's total is the sum of the two; in-process, no TLS: the authorizer's share is larger than over HTTPS" }),
      fromRuns("RBAC off: GET p99, half of a 1,000 requests/s load for 3 s (5 rounds)", getRuns.off, "ms", "(reported)", () => true),
      fromRuns("RBAC on: GET p99, the other half of the same load (requests alternate), the same user", getRuns.on, "ms", "≤ 1.11× RBAC off (≥ 0.9× as fast)", (v) => v <= offGet.value / 0.9, { against: offGet }),
      fromRuns("RBAC authorizer alone: decisions/s, the allowed GET (3 bootstrap ClusterRoleBindings of system:authenticated, then the user's RoleBinding)", allowedRate, "decisions/s", "(reported)", () => true),
      fromRuns("RBAC authorizer alone: decisions/s, a user no binding names (no opinion)", deniedRate, "decisions/s", "(reported)", () => true),
    ];
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
