import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { FakeClock } from "../client/clock.js";
import { CRONJOBS, JOBS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { CronJobController } from "../controllers/cronjob/controller.js";
import { jobNameFor } from "../controllers/cronjob/schedule.js";
import { MemoryStore } from "../store/memory.js";

const FIVE_MINUTES = 5 * 60_000;

describe("CronJob controller restarts: a scheduled run is neither lost nor doubled", () => {
  let server: ApiServer;
  let client: RestClient;
  const clock = new FakeClock(Date.now());
  let first = 0;

  /** Runs a fresh controller (its own informers, as after a restart) until `until` holds, then stops it. */
  async function runController(until: () => Promise<boolean>, advanceTo?: number): Promise<void> {
    const stop = new AbortController();
    const informers = new SharedInformers(client);
    const running = Promise.all([new CronJobController(client, { informers, clock }).run(stop.signal), informers.run(stop.signal)]);
    await informers.waitForSync();
    if (advanceTo !== undefined) {
      // Once the first sync has asked to be woken at the next scheduled time, time moves on to it.
      while (clock.pending === 0) await new Promise((r) => setTimeout(r, 10));
      clock.advance(advanceTo - clock.now());
    }
    const deadline = Date.now() + 10_000;
    try {
      while (!(await until())) {
        if (Date.now() > deadline) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 25));
      }
      // Give a second sync the chance to do something wrong.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      stop.abort();
      await running;
    }
  }

  const jobs = async () => (await client.list(JOBS, "default")).items.map((j) => j.metadata.name!).sort();
  const lastScheduled = async () => ((await client.get(CRONJOBS, "default", "tick")).status as { lastScheduleTime?: string } | undefined)?.lastScheduleTime;

  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    await client.create(CRONJOBS, "default", {
      apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "tick" },
      spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } } },
    } as KubeObject);
    first = Math.ceil((Date.now() + 1000) / FIVE_MINUTES) * FIVE_MINUTES;
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test("the run due at the scheduled time starts once", async () => {
    await runController(async () => (await jobs()).length === 1, first + 1000);
    assert.deepEqual(await jobs(), [jobNameFor("tick", first)]);
    assert.equal(Date.parse((await lastScheduled())!), first);
  });

  test("a restarted controller does not start it again", async () => {
    await runController(async () => true);
    assert.deepEqual(await jobs(), [jobNameFor("tick", first)]);
  });

  test("a run due while no controller ran is started by the next one, once", async () => {
    const second = first + FIVE_MINUTES;
    clock.advance(second + 2000 - clock.now());
    await runController(async () => (await jobs()).length === 2);
    assert.deepEqual(await jobs(), [jobNameFor("tick", first), jobNameFor("tick", second)].sort());
    await runController(async () => true);
    assert.equal((await jobs()).length, 2);
  });

  test("a Job created just before a crash (status not yet written) is adopted, not created twice", async () => {
    const third = first + 2 * FIVE_MINUTES;
    const cj = await client.get(CRONJOBS, "default", "tick");
    await client.create(JOBS, "default", {
      apiVersion: "batch/v1", kind: "Job",
      metadata: { name: jobNameFor("tick", third), ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "tick", uid: cj.metadata.uid!, controller: true }] },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
    } as KubeObject);
    clock.advance(third + 1000 - clock.now());
    await runController(async () => Date.parse((await lastScheduled()) ?? "") === third);
    assert.equal((await jobs()).length, 3);
    const active = ((await client.get(CRONJOBS, "default", "tick")).status as { active?: Array<{ name: string }> }).active ?? [];
    assert.ok(active.some((r) => r.name === jobNameFor("tick", third)));
  });
});
