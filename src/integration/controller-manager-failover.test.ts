import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../apiserver/testing.js";
import { runLeaderElection } from "../client/leader-election.js";
import { LEASES, PODS, REPLICASETS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { ControllerManager } from "../controllers/manager.js";
import { eventually } from "./cluster.js";

/** Short timings so the test takes seconds; their ratios are upstream's rules (renew deadline > 1.2 × retry). */
const TIMINGS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };

test("ControllerManager behind leader election: when the leader dies the standby takes the lease within the lease duration plus two jittered retry periods (seeing the last renewal, then trying), and carries on without doubling pods", async () => {
  const srv = await startTestServer();
  const clients: RestClient[] = [];
  const candidate = (identity: string) => {
    const client = new RestClient({ server: srv.base });
    clients.push(client);
    const manager = new ControllerManager(client, { log: () => {} });
    const stop = new AbortController();
    const state: { ledAt?: number; running?: Promise<void> } = {};
    const election = runLeaderElection(client, { namespace: "kube-system", name: "kube-controller-manager", identity, ...TIMINGS }, (signal) => {
      state.ledAt = performance.now();
      state.running = manager.run(signal);
    }, stop.signal);
    return { identity, stop, state, election };
  };
  const rsCount = async (name: string) => (await srv.call("GET", `/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`)).body as { items: unknown[] };
  const replicaSet = (name: string) => ({
    apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name },
    spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
  try {
    const a = candidate("host-a_1");
    await eventually("a to lead", async () => a.state.ledAt !== undefined);
    const b = candidate("host-b_2");
    const writer = new RestClient({ server: srv.base });
    clients.push(writer);
    await writer.create(REPLICASETS, "default", replicaSet("before"));
    await eventually("a's replicaset controller to create 3 pods", async () => (await rsCount("before")).items.length === 3);
    assert.equal(b.state.ledAt, undefined, "b stands by while a renews");

    // a dies as a killed process would: it stops renewing and acting, and hands nothing back.
    const diedAt = performance.now();
    a.stop.abort();
    await a.election;
    await a.state.running;
    await eventually("b to take over", async () => b.state.ledAt !== undefined, 10_000);
    const gapMs = b.state.ledAt! - diedAt;
    const bound = TIMINGS.leaseDurationMs + 2.2 * TIMINGS.retryPeriodMs * 2;
    process.stdout.write(`takeover gap ${Math.round(gapMs)} ms (lease duration ${TIMINGS.leaseDurationMs} ms)\n`);
    assert.ok(gapMs <= bound, `took over after ${Math.round(gapMs)} ms, more than ${bound} ms`);
    assert.ok(gapMs >= TIMINGS.leaseDurationMs - 2.2 * TIMINGS.retryPeriodMs, `took over after ${Math.round(gapMs)} ms: before the lease could have expired`);
    const lease = await writer.get(LEASES, "kube-system", "kube-controller-manager");
    assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, "host-b_2");
    assert.equal((lease.spec as { leaseTransitions: number }).leaseTransitions, 1);

    await writer.create(REPLICASETS, "default", replicaSet("after"));
    await eventually("b's replicaset controller to create 3 pods", async () => (await rsCount("after")).items.length === 3);
    assert.equal((await rsCount("before")).items.length, 3, "the new leader does not create the old ReplicaSet's pods again");
    assert.equal((await writer.list(PODS, "default")).items.length, 6);
    b.stop.abort();
    await b.election;
    await b.state.running;
  } finally {
    for (const c of clients) c.close();
    await srv.close();
  }
});
