import { AssertionError } from "node:assert";
import type { Node } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../api/types.js";
import { NODES, SERVICEACCOUNTS } from "../client/resources.js";
import { RestClient, type ResourceRef } from "../client/rest.js";
import { Cluster, EtcdCluster } from "../cmd/e2e/harness.js";
import type { ConformanceCase, ConformanceContext } from "./case.js";

/**
 * The conformance runner: one `tug up` (process runtime, one node — no case needs a second), an admin
 * client, and every case in a namespace of its own (created before, deleted after without waiting),
 * `concurrency` at a time (those upstream marks [Serial] or [Disruptive] alone, after the rest), each
 * within `timeoutMs`. A case marked `notServed` is listed, not run.
 */

export type Outcome = "pass" | "fail" | "not served";

export interface CaseResult {
  codename: string;
  outcome: Outcome;
  /** fail: the first line of the error; not served: what is missing. */
  detail?: string;
  /** The case's knownFailure mark, when it has one. */
  knownFailure?: string;
  seconds: number;
}

export interface RunOptions {
  /** Cases run at once (default 6: the CronJob cases mostly wait for the minute, and start first). */
  concurrency?: number;
  /** A case that has not finished by then fails (default 150 s). */
  timeoutMs?: number;
  /** Told about each result as it comes (for progress lines). */
  onResult?: (result: CaseResult) => void;
}

const NAMESPACES: ResourceRef = { group: "", version: "v1", resource: "namespaces", namespaced: false };

/** The cluster the suite runs against: started, its node Ready, with an admin client. */
export interface SuiteCluster {
  cluster: Cluster;
  client: RestClient;
  stop(): Promise<void>;
}

export async function startSuiteCluster(): Promise<SuiteCluster> {
  // Compaction every 30 s, so the chunking case sees a continue token expire within a minute (upstream's
  // e2e waits up to the 5 min default): a round forgets only what the round before it saw, so the cases
  // that watch again and again from one list's resourceVersion (Deployment lifecycle) keep 30 s or more.
  // TUG_CONFORMANCE_STORE=etcd: the same cases on a real etcd (one member the suite starts and stops).
  const etcd = process.env.TUG_CONFORMANCE_STORE === "etcd" ? await EtcdCluster.start() : undefined;
  const storeArgs = etcd ? ["--store", "etcd", "--etcd-servers", etcd.endpoints.join(",")] : [];
  const cluster = await Cluster.start(["--etcd-compaction-interval", "30s", ...storeArgs]).catch(async (err: unknown) => {
    await etcd?.close();
    throw err;
  });
  const client = await clientFor(cluster);
  const stop = async () => {
    client.close();
    await cluster.stop();
    await etcd?.close();
  };
  try {
    const deadline = Date.now() + 60_000;
    while (!(await nodeReady(client))) {
      if (Date.now() > deadline) throw new Error(`No node of tug up turned Ready in 60 s: ${cluster.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { cluster, client, stop };
}

/** An admin client from the cluster's kubeconfig, read again until tug up has written it whole. */
async function clientFor(cluster: Cluster): Promise<RestClient> {
  const deadline = Date.now() + 15_000;
  while (true) {
    try {
      return RestClient.fromKubeconfig(cluster.kubeconfig);
    } catch (err) {
      if (Date.now() > deadline) {
        await cluster.stop();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function nodeReady(client: RestClient): Promise<boolean> {
  try {
    const nodes = await client.list<Node & KubeObject>(NODES);
    return nodes.items.some((n) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));
  } catch {
    return false;
  }
}

/**
 * A case upstream marks [Serial] or [Disruptive] must not share the cluster with others: it taints the only
 * node NoExecute, say, which evicts every other case's pods. Those run one at a time, after the rest.
 */
const runsAlone = (c: ConformanceCase) => /\[(Serial|Disruptive)\]/.test(c.codename);

/** Runs `cases` against the cluster; results in the cases' order. */
export async function runCases(suite: SuiteCluster, cases: readonly ConformanceCase[], opts: RunOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  const run = async (indexes: number[], concurrency: number) => {
    let next = 0;
    const worker = async () => {
      while (next < indexes.length) {
        const i = indexes[next++]!;
        const result = await runOne(suite, cases[i]!, i, opts.timeoutMs ?? 150_000);
        results[i] = result;
        opts.onResult?.(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, indexes.length) }, worker));
  };
  const all = cases.map((_, i) => i);
  await run(all.filter((i) => !runsAlone(cases[i]!)), Math.max(1, opts.concurrency ?? 6));
  await run(all.filter((i) => runsAlone(cases[i]!)), 1);
  return results;
}

/**
 * Waits for the namespace's `default` ServiceAccount, as upstream's e2e framework does before a test
 * runs in a new namespace (the ServiceAccounts controller makes it a moment after the namespace).
 */
async function defaultServiceAccount(suite: SuiteCluster, namespace: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await suite.client.get(SERVICEACCOUNTS, namespace, "default").then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the namespace's default ServiceAccount did not appear in 30 s`);
}

async function runOne(suite: SuiteCluster, c: ConformanceCase, index: number, timeoutMs: number): Promise<CaseResult> {
  const base = { codename: c.codename, ...(c.knownFailure ? { knownFailure: c.knownFailure } : {}) };
  if (c.notServed) return { ...base, outcome: "not served", detail: c.notServed, seconds: 0 };
  const started = Date.now();
  const namespace = `conformance-${index}-${Math.random().toString(36).slice(2, 7)}`;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await suite.client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    await defaultServiceAccount(suite, namespace);
    const ctx: ConformanceContext = { cluster: suite.cluster, client: suite.client, namespace, signal: abort.signal };
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`Timed out: the case ran for more than ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
    });
    await Promise.race([c.run(ctx), timedOut]);
    return { ...base, outcome: "pass", seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    return { ...base, outcome: "fail", detail: firstLine(err), seconds: (Date.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
    abort.abort();
    await suite.client.delete(NAMESPACES, undefined, namespace).catch(() => {});
  }
}

/** The error's first line; for an assertion node:assert worded itself, what was expected and what came. */
function firstLine(err: unknown): string {
  if (err instanceof AssertionError && err.generatedMessage) {
    return clip(`expected ${show(err.expected)}, got ${show(err.actual)} (${err.operator})`);
  }
  const text = err instanceof Error ? err.message : String(err);
  return clip((text.split("\n").find((l) => l.trim()) ?? "").trim() || (err instanceof Error ? err.name : "failed"));
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
