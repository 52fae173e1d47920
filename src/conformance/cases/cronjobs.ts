import assert from "node:assert/strict";
import type { CronJob, Job } from "kubernetes-types/batch/v1.js";
import { isNotFound } from "../../api/errors.js";
import { CRONJOBS, JOBS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { EventStream, IMAGES, StopWaiting, deleteCollection, randomSuffix, subresource, updateWithRetries, waitFor, type K } from "../kit.js";

/**
 * test/e2e/apps/cronjob.go, reproduced. Upstream's schedules run every minute, so a case that needs one
 * or two runs takes one or two minutes: the waits below allow for that and no more.
 */

type CJ = K<CronJob>;

/** Two schedule boundaries and the time to start a job. */
const TWO_RUNS_MS = 150_000;

/** Upstream's newTestCronJob: one pod a job, restarted on failure, an emptyDir at /data. */
function newTestCronJob(name: string, schedule: string, concurrencyPolicy: "Allow" | "Forbid" | "Replace", command: string[], limits?: { successful: number; failed: number }): CJ {
  return {
    apiVersion: "batch/v1", kind: "CronJob",
    metadata: { name },
    spec: {
      schedule, concurrencyPolicy,
      ...(limits ? { successfulJobsHistoryLimit: limits.successful, failedJobsHistoryLimit: limits.failed } : {}),
      jobTemplate: {
        spec: {
          parallelism: 1, completions: 1, backoffLimit: 1,
          template: {
            spec: {
              restartPolicy: "OnFailure", terminationGracePeriodSeconds: 0,
              volumes: [{ name: "data", emptyDir: {} }],
              containers: [{ name: "c", image: IMAGES.busybox, command, volumeMounts: [{ mountPath: "/data", name: "data" }] }],
            },
          },
        },
      },
    },
  } as CJ;
}

const SLEEP = ["sleep", "300"];
const getCJ = (ctx: ConformanceContext, name: string) => ctx.client.get<CJ>(CRONJOBS, ctx.namespace, name);

function finished(job: K<Job>): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

async function activeJobs(ctx: ConformanceContext): Promise<Array<K<Job>>> {
  return (await ctx.client.list<K<Job>>(JOBS, ctx.namespace)).items.filter((j) => !finished(j));
}

/** Upstream's waitForActiveJobs: at least `n` jobs in the CronJob's status.active. */
function waitActive(ctx: ConformanceContext, name: string, n: number): Promise<CJ> {
  return waitFor(ctx, `${n} active jobs of cronjob ${name}`, async () => {
    const cj = await getCJ(ctx, name);
    return (cj.status?.active ?? []).length >= n ? cj : undefined;
  }, TWO_RUNS_MS);
}

const deleteCJ = (ctx: ConformanceContext, name: string) => ctx.client.delete(CRONJOBS, ctx.namespace, name, { propagationPolicy: "Background" });

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] CronJob should schedule multiple jobs concurrently [Conformance]",
    async run(ctx) {
      await ctx.client.create(CRONJOBS, ctx.namespace, newTestCronJob("concurrent", "*/1 * * * ?", "Allow", SLEEP));
      await waitActive(ctx, "concurrent", 2);
      assert.ok((await activeJobs(ctx)).length >= 2, "at least two running jobs");
      await deleteCJ(ctx, "concurrent");
    },
  },
  {
    codename: "[sig-apps] CronJob should not schedule jobs when suspended [Slow] [Conformance]",
    async run(ctx) {
      const cj = newTestCronJob("suspended", "*/1 * * * ?", "Allow", SLEEP);
      cj.spec!.suspend = true;
      await ctx.client.create(CRONJOBS, ctx.namespace, cj);
      // Upstream watches for 5 minutes; one schedule boundary passed is what shows the suspension.
      const until = (Math.floor(Date.now() / 60_000) + 1) * 60_000 + 5_000;
      while (Date.now() < until) {
        const got = await getCJ(ctx, "suspended");
        assert.deepEqual(got.status?.active ?? [], [], "a suspended cronjob has no active jobs");
        if (ctx.signal.aborted) throw new Error("Aborted");
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.deepEqual((await ctx.client.list(JOBS, ctx.namespace)).items, [], "no jobs");
      await deleteCJ(ctx, "suspended");
    },
  },
  {
    codename: "[sig-apps] CronJob should not schedule new jobs when ForbidConcurrent [Slow] [Conformance]",
    async run(ctx) {
      await ctx.client.create(CRONJOBS, ctx.namespace, newTestCronJob("forbid", "*/1 * * * ?", "Forbid", SLEEP));
      await waitActive(ctx, "forbid", 1);
      assert.equal((await getCJ(ctx, "forbid")).status?.active?.length, 1, "exactly one is scheduled");
      assert.equal((await activeJobs(ctx)).length, 1, "exactly one running job");
      // Past the next schedule boundary the running job still stops a second one.
      const until = (Math.floor(Date.now() / 60_000) + 1) * 60_000 + 5_000;
      await waitFor(ctx, "the next schedule boundary passed", async () => {
        const active = (await getCJ(ctx, "forbid")).status?.active ?? [];
        if (active.length >= 2) throw new StopWaiting(`unexpected active job number: ${active.length}`);
        return Date.now() > until;
      }, TWO_RUNS_MS);
      await deleteCJ(ctx, "forbid");
    },
  },
  {
    codename: "[sig-apps] CronJob should replace jobs when ReplaceConcurrent [Conformance]",
    async run(ctx) {
      await ctx.client.create(CRONJOBS, ctx.namespace, newTestCronJob("replace", "*/1 * * * ?", "Replace", SLEEP));
      await waitActive(ctx, "replace", 1);
      assert.equal((await getCJ(ctx, "replace")).status?.active?.length, 1, "exactly one is scheduled");
      const jobs = await activeJobs(ctx);
      assert.equal(jobs.length, 1, "exactly one running job");
      const previous = jobs[0]!.metadata.name;
      await waitFor(ctx, `job ${previous} replaced with a new one`, async () => {
        const alive = (await ctx.client.list<K<Job>>(JOBS, ctx.namespace)).items.filter((j) => !j.metadata.deletionTimestamp);
        if (alive.length > 1) throw new StopWaiting(`more than one job is running: ${alive.map((j) => j.metadata.name).join(", ")}`);
        return alive.length === 1 && alive[0]!.metadata.name !== previous;
      }, TWO_RUNS_MS);
      await deleteCJ(ctx, "replace");
    },
  },
  {
    codename: "[sig-apps] CronJob should support CronJob API operations [Conformance]",
    async run(ctx) {
      const unique = `cronjob-${randomSuffix()}`;
      const selector = `special-label=${unique}`;
      const template = newTestCronJob("test-api", "* */1 * * ?", "Allow", ["/bin/true"], { successful: 1, failed: 0 });
      template.metadata.labels = { "special-label": unique };
      const created = await ctx.client.create<CJ>(CRONJOBS, ctx.namespace, template);
      assert.equal((await getCJ(ctx, "test-api")).metadata.uid, created.metadata.uid);
      const list = await ctx.client.list(CRONJOBS, ctx.namespace, { labelSelector: selector });
      assert.equal(list.items.length, 1, "filtered list should have 1 item");
      const events = EventStream.open<CJ>(ctx, CRONJOBS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector });
      try {
        assert.equal((await ctx.client.list(CRONJOBS, undefined, { labelSelector: selector })).items.length, 1, "cluster-wide list should have 1 item");
        const clusterWatch = EventStream.open<CJ>(ctx, CRONJOBS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector, namespace: null });
        clusterWatch.close();
        const patched = await ctx.client.patch<CJ>(CRONJOBS, ctx.namespace, "test-api", "merge", { metadata: { annotations: { patched: "true" } } });
        assert.equal(patched.metadata.annotations?.patched, "true", "patched object should have the applied annotation");
        const updated = await updateWithRetries<CJ>(ctx, CRONJOBS, "test-api", (cj) => (cj.metadata.annotations = { ...cj.metadata.annotations, updated: "true" }));
        assert.equal(updated.metadata.annotations?.updated, "true", "updated object should have the applied annotation");
        await events.next("the patched annotation in a watch event", (type, cj) => {
          if (type !== "MODIFIED") throw new StopWaiting(`expected MODIFIED, got ${type}`);
          return cj.metadata.annotations?.patched === "true";
        });
      } finally {
        events.close();
      }
      const now1 = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
      const patchedStatus = await ctx.client.patch<CJ>(CRONJOBS, ctx.namespace, "test-api", "merge", { metadata: { annotations: { patchedstatus: "true" } }, status: { lastScheduleTime: now1 } }, "status");
      assert.equal(patchedStatus.status?.lastScheduleTime, now1, "patched object should have the applied lastScheduleTime");
      assert.equal(patchedStatus.metadata.annotations?.patchedstatus, "true", "patched object should have the applied annotation");
      const now2 = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000).toISOString().replace(".000Z", "Z");
      const updatedStatus = await updateWithRetries<CJ>(ctx, CRONJOBS, "test-api", (cj) => {
        (cj as { status: unknown }).status = { ...cj.status, lastScheduleTime: now2 };
      }, "status");
      assert.equal(updatedStatus.status?.lastScheduleTime, now2, "updated object status expected to have updated lastScheduleTime");
      assert.equal((await subresource<CJ>(ctx, CRONJOBS, "test-api", "status")).metadata.uid, created.metadata.uid);
      // Deleting: gone (404), or held by a finalizer with a deletionTimestamp.
      template.metadata.name = "for-removal";
      await ctx.client.create(CRONJOBS, ctx.namespace, template);
      await ctx.client.delete(CRONJOBS, ctx.namespace, "for-removal");
      try {
        const cj = await getCJ(ctx, "for-removal");
        assert.ok(cj.metadata.deletionTimestamp && (cj.metadata.finalizers ?? []).length > 0, "a cronjob still there after its delete has a deletionTimestamp and finalizers");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await deleteCollection(ctx, CRONJOBS, selector);
      const left = (await ctx.client.list<CJ>(CRONJOBS, ctx.namespace, { labelSelector: selector })).items;
      assert.ok(left.length <= 2, `filtered list length should be <= 2, got ${left.length}`);
      for (const cj of left) assert.ok(cj.metadata.deletionTimestamp && (cj.metadata.finalizers ?? []).length > 0, "left cronjobs are being deleted behind finalizers");
    },
  },
];
