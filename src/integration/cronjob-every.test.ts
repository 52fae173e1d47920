import { after, before, test } from "node:test";
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

const EVERY = 3 * 60_000;
let server: ApiServer;
let client: RestClient;
before(async () => {
  server = new ApiServer({ store: new MemoryStore(), log: () => {} });
  client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
});
after(async () => {
  client.close();
  await server.close();
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Issue 20: `@every` was refused; upstream accepts it and runs every interval from the CronJob's creation.
test("CronJobController runs an @every 3m CronJob 3 minutes after its creation, then every 3 minutes", async () => {
  const created = await client.create(CRONJOBS, "default", {
    apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "every" },
    spec: { schedule: "@every 3m", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } } },
  } as KubeObject);
  const first = Date.parse(created.metadata.creationTimestamp!) + EVERY;
  const clock = new FakeClock(Date.parse(created.metadata.creationTimestamp!) + 1000);
  const stop = new AbortController();
  const informers = new SharedInformers(client);
  const running = Promise.all([new CronJobController(client, { informers, clock }).run(stop.signal), informers.run(stop.signal)]);
  const jobs = async () => (await client.list(JOBS, "default")).items.map((j) => j.metadata.name!).sort();
  try {
    await informers.waitForSync();
    await until("the first sync to ask to be woken", async () => clock.pending > 0);
    assert.deepEqual(await jobs(), []);
    clock.advance(first + 1000 - clock.now());
    await until("the first run", async () => (await jobs()).length === 1);
    assert.deepEqual(await jobs(), [jobNameFor("every", first)]);
    const lastScheduleTime = ((await client.get(CRONJOBS, "default", "every")).status as { lastScheduleTime?: string }).lastScheduleTime;
    assert.equal(Date.parse(lastScheduleTime!), first);
    clock.advance(first + EVERY + 1000 - clock.now());
    await until("the second run", async () => (await jobs()).length === 2);
    assert.deepEqual(await jobs(), [jobNameFor("every", first), jobNameFor("every", first + EVERY)].sort());
  } finally {
    stop.abort();
    await running;
  }
});
