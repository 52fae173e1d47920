import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually, rows } from "./harness.js";

describe("CronJob controller on real minutes", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start();
  });
  after(() => c.stop());

  test("a */1 schedule starts <cronjob>-<minutes> on the minute; create job --from=cronjob works", async () => {
    c.ok(["create", "cronjob", "hello", "--image=busybox", "--schedule=*/1 * * * *", "--", "echo", "hello"]);
    assert.match(c.ok(["create", "job", "manual", "--from=cronjob/hello"]), /job.batch\/manual created/);
    await eventually("manual Complete", () => rows(c.ok(["get", "job", "manual"]))[1]?.[1] === "Complete", 20_000);
    assert.equal(c.ok(["logs", "job/manual"]).trim(), "hello");
    await eventually("a scheduled job", () => /hello-\d+/.test(c.ok(["get", "jobs", "-o", "name"])), 75_000);
    const name = /hello-(\d+)/.exec(c.ok(["get", "jobs", "-o", "name"]))!;
    const minute = Number(name[1]) * 60_000;
    assert.ok(Math.abs(Date.now() - minute) < 70_000, "named after the scheduled minute");
    const scheduled = c.ok(["get", "job", name[0], "-o", "jsonpath={.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}"]);
    assert.equal(Date.parse(scheduled), minute);
    await eventually("Complete, and the CronJob saw it", () => /Saw completed job: hello-\d+, condition: Complete/.test(c.ok(["describe", "cronjob", "hello"])), 30_000);
    const row = rows(c.ok(["get", "cronjob", "hello"]));
    assert.deepEqual(row[0], ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]);
    assert.deepEqual(row[1]!.slice(0, 5), ["hello", "*/1 * * * *", "<none>", "False", "0"]);
    assert.notEqual(row[1]![5], "<none>");
    assert.match(c.ok(["get", "cronjob", "hello", "-o", "jsonpath={.status.lastSuccessfulTime}"]), /^\d{4}-\d\d-\d\dT/);
  });
});
