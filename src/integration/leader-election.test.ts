import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../apiserver/testing.js";
import { FakeClock } from "../client/clock.js";
import { leaderElectionTimingError, leaderIdentity, runLeaderElection, type LeaderElectionOptions } from "../client/leader-election.js";
import { RestClient } from "../client/rest.js";
import type { Transport } from "../api/transport.js";

/** Lets in-process requests and their callbacks run to completion (no clock involved). */
async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
}

/** Moves the fake clock in steps of `step`, letting requests settle in between. */
async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await flush();
  }
}

type Fault = "none" | "refuse" | "hang";

describe("leader election against a real API server, on a fake clock", () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  /** A client whose requests can be refused or left hanging (until their signal aborts), as a partitioned network does. */
  function faultyClient(): { client: RestClient; fault: { now: Fault } } {
    const real = srv.server.transport();
    const fault: { now: Fault } = { now: "none" };
    const transport: Transport = (req) => {
      if (fault.now === "refuse") return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
      if (fault.now === "hang") return new Promise((_, reject) => req.signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
      return real(req);
    };
    return { client: new RestClient({ server: srv.base, transport }), fault };
  }

  function candidate(name: string, lease: string, clock: FakeClock, extra: Partial<LeaderElectionOptions> = {}) {
    const { client, fault } = faultyClient();
    const logs: Array<Record<string, unknown>> = [];
    const stop = new AbortController();
    let leading: AbortSignal | undefined;
    const result = runLeaderElection(client, {
      namespace: "kube-system", name: lease, identity: name, clock, random: () => 0, log: (e) => void logs.push(e), ...extra,
    }, (signal) => void (leading = signal), stop.signal);
    return { fault, logs, stop, result, get leading() { return leading; } };
  }

  const getLease = async (name: string) => (await srv.call("GET", `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`)).body as { spec: Record<string, unknown> };

  test("runLeaderElection keeps retrying a failed renewal every retry period until the renew deadline, logging each failure, then reports lost", async () => {
    const clock = new FakeClock();
    const a = candidate("a", "renew-deadline", clock);
    await flush();
    assert.ok(a.leading && !a.leading.aborted, "a leads");
    a.fault.now = "refuse";
    // Renewal rounds start one retry period (2 s) after the last success; the deadline is 10 s later.
    await advance(clock, 11_900);
    assert.equal(a.leading.aborted, false, "still leading before the renew deadline");
    const failures = a.logs.filter((e) => e.msg === "Error retrieving resource lock");
    assert.equal(failures.length, 5, "tries at 2, 4, 6, 8 and 10 s, each logged");
    assert.ok(failures.every((e) => e.level === "error" && e.lease === "kube-system/renew-deadline" && String(e.err).includes("ECONNREFUSED")));
    await advance(clock, 100);
    assert.equal(a.leading.aborted, true, "stops acting the moment the deadline passes");
    assert.equal(await a.result, "lost");
    assert.ok(a.logs.some((e) => e.msg === "Failed to renew lease: timed out waiting for the condition"));
  });

  test("runLeaderElection keeps leading when a renewal succeeds before the deadline, and cuts a hanging request at it", async () => {
    const clock = new FakeClock();
    const a = candidate("a", "renew-recovers", clock);
    await flush();
    a.fault.now = "refuse";
    await advance(clock, 8_000);
    a.fault.now = "none";
    await advance(clock, 10_000);
    assert.equal(a.leading!.aborted, false, "a renewal at 8 s kept the lease");
    a.fault.now = "hang";
    await advance(clock, 12_100);
    assert.equal(a.leading!.aborted, true, "a request that never answers does not hold the elector past the deadline");
    assert.equal(await a.result, "lost");
  });

  test("runLeaderElection: a candidate takes over once the record has not changed for the lease duration on its own clock", async () => {
    const clock = new FakeClock();
    const a = candidate("host-a_1", "takeover", clock);
    await flush();
    const b = candidate("host-b_2", "takeover", clock);
    await advance(clock, 6_000);
    assert.equal(b.leading, undefined, "b waits while a renews");
    a.fault.now = "hang"; // a dies: no more renewals (and no release)
    const lastRenew = String((await getLease("takeover")).spec.renewTime);
    await advance(clock, 14_000);
    assert.equal(b.leading, undefined, "not before the lease duration");
    await advance(clock, 4_000);
    const bLeads = b.leading as AbortSignal | undefined;
    assert.ok(bLeads && !bLeads.aborted, "b leads within lease duration + one retry period");
    const spec = (await getLease("takeover")).spec;
    assert.equal(spec.holderIdentity, "host-b_2");
    assert.equal(spec.leaseTransitions, 1);
    assert.equal(spec.leaseDurationSeconds, 15);
    assert.match(String(spec.acquireTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, "MicroTime");
    assert.equal(spec.acquireTime, spec.renewTime);
    assert.ok(String(spec.renewTime) > lastRenew);
    await advance(clock, 4_000);
    const renewed = (await getLease("takeover")).spec;
    assert.equal(renewed.acquireTime, spec.acquireTime, "a renewal keeps acquireTime");
    assert.notEqual(renewed.renewTime, spec.renewTime);
    assert.equal(renewed.leaseTransitions, 1);
    assert.ok(b.logs.some((e) => e.msg === "New leader elected" && e.holder === "host-a_1"));
    a.stop.abort();
    b.stop.abort();
    assert.equal(await b.result, "stopped");
  });

  test("runLeaderElection with releaseOnCancel hands the lease back, so a successor takes it at its next try", async () => {
    const clock = new FakeClock();
    const a = candidate("a", "release", clock, { releaseOnCancel: true });
    await flush();
    const b = candidate("b", "release", clock);
    await advance(clock, 4_000);
    a.stop.abort();
    assert.equal(await a.result, "stopped");
    assert.equal((await getLease("release")).spec.holderIdentity, undefined);
    await advance(clock, 2_000);
    assert.ok(b.leading && !b.leading.aborted);
    b.stop.abort();
    await b.result;
  });

  test("runLeaderElection refuses timings upstream refuses", () => {
    const cases = [
      { name: "defaults", t: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, want: undefined },
      { name: "lease not above deadline", t: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, want: "leaseDuration must be greater than renewDeadline" },
      { name: "deadline within jittered retry", t: { leaseDurationMs: 15_000, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, want: "renewDeadline must be greater than retryPeriod*JitterFactor" },
    ];
    for (const c of cases) assert.equal(leaderElectionTimingError(c.t), c.want, c.name);
    const client = new RestClient({ server: srv.base });
    assert.throws(() => runLeaderElection(client, { namespace: "kube-system", name: "x", identity: "i", leaseDurationMs: 1000 }, () => {}, new AbortController().signal), /leaseDuration must be greater than renewDeadline/);
    client.close();
  });

  test("leaderIdentity is upstream's <hostname>_<uuid>", () => {
    assert.match(leaderIdentity("node-1"), /^node-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
