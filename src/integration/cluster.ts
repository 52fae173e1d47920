import { DEFAULT_ISSUER, type ServiceAccountKey } from "../apiserver/auth/serviceaccount/index.js";
import { ApiServer } from "../apiserver/server.js";
import { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { ControllerManager } from "../controllers/manager.js";
import type { Stage } from "../node/simulated/stages.js";
import { SimulatedNodePool } from "../node/simulated/pool.js";
import { MemoryStore } from "../store/memory.js";

/** An in-process cluster for integration tests: the real API server, every controller, simulated nodes. */
export interface TestCluster {
  client: RestClient;
  manager: ControllerManager;
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /** Simulated node names (none: pods stay unbound and Pending). */
  nodes?: string[];
  stages?: Stage[];
  /** The CA the controller manager publishes as kube-root-ca.crt (none: the publisher does not run). */
  rootCA?: string;
  /** The service account signing key: the API server issues tokens and the tokens controller runs. */
  serviceAccountKey?: ServiceAccountKey;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const key = opts.serviceAccountKey;
  const server = new ApiServer({ store: new MemoryStore(), log: () => {}, serviceAccounts: key && { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] } });
  const client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
  const logs: Array<Record<string, unknown>> = [];
  const log = (e: Record<string, unknown>) => void logs.push(e);
  const informers = new SharedInformers(client);
  const manager = new ControllerManager(client, { informers, log, rootCA: opts.rootCA, serviceAccountPrivateKey: key?.pem });
  const abort = new AbortController();
  const running = Promise.all([
    manager.run(abort.signal),
    opts.nodes?.length ? new SimulatedNodePool(client, { nodes: opts.nodes, stages: opts.stages, informers, log: () => {} }).run(abort.signal) : undefined,
    informers.run(abort.signal),
  ]);
  await informers.waitForSync();
  return {
    client, manager, logs,
    async stop() {
      abort.abort();
      await running;
      client.close();
      await server.close();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined/false), or fails naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
