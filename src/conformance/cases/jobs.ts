import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { isNotFound } from "../../api/errors.js";
import { JOBS, NODES, PODS } from "../../client/resources.js";
import { resourcePath } from "../../client/rest.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { IMAGES, StopWaiting, isOwnedBy, listPods, randomSuffix, subresource, updateWithRetries, waitFor, watchUntil, type K } from "../kit.js";

/** test/e2e/apps/job.go, reproduced. */

type J = K<Job>;

/** What upstream's e2ejob.NewTestJob pods do, by behaviour. */
const BEHAVIOURS = {
  notTerminate: ["sleep", "1000000"],
  succeed: ["sh", "-c", "exit 0"],
  failOnce: ["sh", "-c", "if [ -r /data/foo ]; then exit 0; else touch /data/foo; exit 1; fi"],
  notTerminateOncePerIndex: ["sh", "-c", "if [ -r /data/foo-$JOB_COMPLETION_INDEX ]; then exit 0; else touch /data/foo-$JOB_COMPLETION_INDEX; sleep 1000000; fi"],
} as const;

/**
 * Upstream's NewTestJob (an emptyDir at /data) and NewTestJobOnNode (`hostDir`: a host directory at /data,
 * shared by the job's pods on that node).
 */
function newTestJob(behaviour: keyof typeof BEHAVIOURS, name: string, restartPolicy: "Never" | "OnFailure", parallelism: number, completions: number, backoffLimit = 6, onNode?: { node: string; hostDir: string }): J {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name },
    spec: {
      parallelism, completions, backoffLimit, manualSelector: false,
      template: {
        metadata: { labels: { job: name } },
        spec: {
          restartPolicy, terminationGracePeriodSeconds: 0,
          ...(onNode ? { nodeSelector: { "kubernetes.io/hostname": onNode.node } } : {}),
          volumes: [onNode ? { name: "data", hostPath: { path: onNode.hostDir, type: "DirectoryOrCreate" } } : { name: "data", emptyDir: {} }],
          containers: [{ name: "c", image: IMAGES.busybox, command: [...BEHAVIOURS[behaviour]], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        },
      },
    },
  } as J;
}

const getJob = (ctx: ConformanceContext, name: string) => ctx.client.get<J>(JOBS, ctx.namespace, name);
const jobPods = async (ctx: ConformanceContext, name: string) => listPods(ctx, `job=${name}`);

function condition(job: J, type: string): { status: string; reason?: string } | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type && c.status === "True");
}

/** Upstream's WaitForJobComplete: the Complete condition, `completions` succeeded. Fails at once if the Job failed. */
async function waitComplete(ctx: ConformanceContext, name: string, completions: number): Promise<J> {
  let seen: J | undefined;
  try {
    return await waitFor(ctx, `job ${name} complete with ${completions} succeeded`, async () => {
      const job = (seen = await getJob(ctx, name));
      const failed = condition(job, "Failed");
      if (failed) throw new StopWaiting(`job ${name} failed: ${failed.reason}`);
      return condition(job, "Complete") && job.status?.succeeded === completions ? job : undefined;
    });
  } catch (err) {
    // What the job and its pods looked like, so a failure on a machine nobody can look at says what it saw.
    const pods = (await jobPods(ctx, name).catch(() => [])).map((p) =>
      `${p.metadata.name} ${p.status?.phase}${p.metadata.deletionTimestamp ? " deleting" : ""} [${(p.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(",")}] finalizers=${(p.metadata.finalizers ?? []).length}`);
    throw new Error(`${(err as Error).message}; job status ${JSON.stringify(seen?.status)}; pods: ${pods.join("; ") || "none"}`, { cause: err });
  }
}

/** Upstream's WaitForJobPodsRunning: `n` pods of the job Running. */
function waitPodsRunning(ctx: ConformanceContext, name: string, n: number): Promise<Array<K<Pod>>> {
  return waitFor(ctx, `${n} running pods of job ${name}`, async () => {
    const pods = (await jobPods(ctx, name)).filter((p) => p.status?.phase === "Running");
    return pods.length === n ? pods : undefined;
  });
}

/** A directory on this host (where tug up's node runs) for the job's hostPath, removed afterwards. */
async function withHostDir(ctx: ConformanceContext, body: (onNode: { node: string; hostDir: string }) => Promise<void>): Promise<void> {
  const hostDir = mkdtempSync(join(tmpdir(), "tug-conformance-job-"));
  try {
    const node = (await ctx.client.list(NODES)).items[0]!.metadata.name!;
    await body({ node, hostDir });
  } finally {
    // No pod of the job may make the directory again (hostPath DirectoryOrCreate) once it is removed.
    await ctx.client.call("DELETE", resourcePath(JOBS, ctx.namespace), { body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } }).catch(() => {});
    await waitFor(ctx, "the job's pods gone", async () => (await listPods(ctx)).length === 0).catch(() => {});
    rmSync(hostDir, { recursive: true, force: true });
  }
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] Job should run a job to completion when tasks sometimes fail and are locally restarted [Conformance]",
    async run(ctx) {
      await ctx.client.create(JOBS, ctx.namespace, newTestJob("failOnce", "fail-once-local", "OnFailure", 2, 4));
      await waitComplete(ctx, "fail-once-local", 4);
    },
  },
  {
    codename: "[sig-apps] Job should delete a job [Conformance]",
    async run(ctx) {
      await ctx.client.create(JOBS, ctx.namespace, newTestJob("notTerminate", "foo", "Never", 2, 4));
      await waitPodsRunning(ctx, "foo", 2);
      // Upstream's DeleteResourceAndWaitForGC: delete in the background, wait for the pods to go.
      await ctx.client.delete(JOBS, ctx.namespace, "foo", { propagationPolicy: "Background" });
      await waitFor(ctx, "the job's pods gone", async () => (await jobPods(ctx, "foo")).length === 0);
      await assert.rejects(getJob(ctx, "foo"), (err: unknown) => isNotFound(err), "the job is gone");
    },
  },
  {
    codename: "[sig-apps] Job should adopt matching orphans and release non-matching pods [Conformance]",
    async run(ctx) {
      const job = await ctx.client.create<J>(JOBS, ctx.namespace, newTestJob("notTerminate", "adopt-release", "Never", 2, 4));
      const pods = await waitPodsRunning(ctx, "adopt-release", 2);
      const name = pods[0]!.metadata.name!;
      await updateWithRetries<K<Pod>>(ctx, PODS, name, (p) => (p.metadata.ownerReferences = undefined));
      await waitFor(ctx, `pod ${name} re-adopted by the job`, async () => {
        const ref = (await ctx.client.get<K<Pod>>(PODS, ctx.namespace, name)).metadata.ownerReferences?.find((r) => r.controller);
        if (ref && (ref.kind !== "Job" || ref.name !== "adopt-release" || ref.uid !== job.metadata.uid)) throw new StopWaiting(`pod has wrong controllerRef: ${JSON.stringify(ref)}`);
        return ref !== undefined;
      });
      await updateWithRetries<K<Pod>>(ctx, PODS, name, (p) => (p.metadata.labels = undefined));
      await waitFor(ctx, `pod ${name} released`, async () => !(await ctx.client.get<K<Pod>>(PODS, ctx.namespace, name)).metadata.ownerReferences?.some((r) => r.controller));
    },
  },
  {
    codename: "[sig-apps] Job should create pods for an Indexed job with completion indexes and specified hostname [Conformance]",
    async run(ctx) {
      const job = newTestJob("succeed", "indexed-job", "Never", 2, 4);
      job.spec!.completionMode = "Indexed";
      await ctx.client.create(JOBS, ctx.namespace, job);
      await waitComplete(ctx, "indexed-job", 4);
      const indexes = new Set<number>();
      for (const pod of await jobPods(ctx, "indexed-job")) {
        if (pod.status?.phase !== "Succeeded") continue;
        const ix = Number(pod.metadata.annotations?.["batch.kubernetes.io/job-completion-index"]);
        assert.ok(Number.isInteger(ix), `pod ${pod.metadata.name} has a completion index annotation`);
        indexes.add(ix);
        assert.equal(pod.spec!.hostname, `indexed-job-${ix}`, "completed pod's hostname");
        assert.ok((pod.spec!.containers[0]!.env ?? []).some((e) => e.name === "JOB_COMPLETION_INDEX"), "the JOB_COMPLETION_INDEX variable");
      }
      assert.deepEqual([...indexes].sort(), [0, 1, 2, 3], "completed indexes");
    },
  },
  {
    codename: "[sig-apps] Job should apply changes to a job status [Conformance]",
    async run(ctx) {
      const job = await ctx.client.create<J>(JOBS, ctx.namespace, newTestJob("notTerminate", "suspend-false-to-true", "Never", 2, 4));
      await waitPodsRunning(ctx, job.metadata.name!, 2);
      const now1 = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString().replace(".000Z", "Z");
      const patched = await ctx.client.patch<J>(JOBS, ctx.namespace, job.metadata.name!, "merge", { metadata: { annotations: { patchedstatus: "true" } }, status: { startTime: now1 } }, "status");
      assert.equal(patched.status?.startTime, now1, "patched object should have the applied StartTime status");
      assert.equal(patched.metadata.annotations?.patchedstatus, "true", "patched object should have the applied annotation");
      const now2 = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
      const updated = await updateWithRetries<J>(ctx, JOBS, job.metadata.name!, (j) => {
        (j as { status: unknown }).status = { ...j.status, startTime: now2 };
      }, "status");
      assert.equal(updated.status?.startTime, now2, "updated object status expected to have updated StartTime");
      const got = await subresource<J>(ctx, JOBS, job.metadata.name!, "status");
      assert.equal(got.metadata.uid, job.metadata.uid);
    },
  },
  {
    codename: "[sig-apps] Job should manage the lifecycle of a job [Conformance]",
    async run(ctx) {
      const name = `e2e-${randomSuffix()}`;
      const selector = `e2e-job-label=${name}`;
      const list = await ctx.client.list(JOBS, ctx.namespace, { labelSelector: selector });
      const job = newTestJob("succeed", name, "Never", 2, 4);
      job.metadata.labels = { "e2e-job-label": name };
      job.spec!.suspend = true;
      await ctx.client.create(JOBS, ctx.namespace, job);
      const patched = await ctx.client.patch<J>(JOBS, ctx.namespace, name, "strategic", { metadata: { labels: { [name]: "patched" } } });
      await watchUntil<J>(ctx, JOBS, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, "the Job patched", (t, j) => t === "MODIFIED" && j.metadata.name === name && j.metadata.labels?.[name] === "patched");
      assert.equal(patched.metadata.labels?.[name], "patched");
      const updated = await updateWithRetries<J>(ctx, JOBS, name, (j) => {
        j.spec!.suspend = false;
        j.metadata.annotations = { ...j.metadata.annotations, updated: "true" };
      });
      await watchUntil<J>(ctx, JOBS, { resourceVersion: patched.metadata.resourceVersion, labelSelector: selector }, "the Job updated", (t, j) => t === "MODIFIED" && j.metadata.name === name && j.metadata.annotations?.updated === "true");
      assert.equal(updated.metadata.annotations?.updated, "true");
      assert.equal((await ctx.client.list(JOBS, undefined, { labelSelector: selector })).items.length, 1, `Failed to find job ${name}`);
      await waitComplete(ctx, name, 4);
      const before = await getJob(ctx, name);
      await ctx.client.call("DELETE", resourcePath(JOBS, ctx.namespace), { query: { labelSelector: selector }, body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } });
      await watchUntil<J>(ctx, JOBS, { resourceVersion: before.metadata.resourceVersion, labelSelector: selector }, "the Job deleted", (t, j) => t === "DELETED" && j.metadata.name === name);
      assert.equal((await ctx.client.list(JOBS, undefined, { labelSelector: selector })).items.length, 0, `Found job ${name}`);
    },
  },
  {
    codename: "[sig-apps] Job should allow to use the pod failure policy on exit code to fail the job early [Conformance]",
    async run(ctx) {
      await withHostDir(ctx, async (onNode) => {
        const job = newTestJob("failOnce", "pod-failure-failjob", "Never", 2, 4, 6, onNode);
        job.spec!.podFailurePolicy = { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [1] } }] };
        await ctx.client.create(JOBS, ctx.namespace, job);
        const failed = await waitFor(ctx, "the job failed", async () => condition(await getJob(ctx, "pod-failure-failjob"), "Failed"));
        assert.equal(failed.reason, "PodFailurePolicy");
      });
    },
  },
  {
    codename: "[sig-apps] Job should allow to use a pod failure policy to ignore failure matching on DisruptionTarget condition [Conformance]",
    async run(ctx) {
      await withHostDir(ctx, async (onNode) => {
        const name = "evicted-pod-ignore-on-disruption-condition";
        const job = newTestJob("notTerminateOncePerIndex", name, "Never", 3, 3, 2, onNode);
        job.spec!.completionMode = "Indexed";
        job.spec!.podFailurePolicy = { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] };
        const created = await ctx.client.create<J>(JOBS, ctx.namespace, job);
        await waitFor(ctx, "3 ready pods", async () => (await getJob(ctx, name)).status?.ready === 3);
        const pods = (await jobPods(ctx, name)).filter((p) => p.status?.phase === "Running" && isOwnedBy(p, created.metadata.uid));
        assert.equal(pods.length, 3, "Number of running pods doesn't match parallelism");
        await Promise.all(pods.map(async (pod) => {
          const podName = pod.metadata.name!;
          await ctx.client.call("POST", resourcePath(PODS, ctx.namespace, podName, "eviction"), { body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: podName, namespace: ctx.namespace } } });
          await waitFor(ctx, `pod ${podName} deleted`, async () => {
            try {
              await ctx.client.get(PODS, ctx.namespace, podName);
              return false;
            } catch (err) {
              if (isNotFound(err)) return true;
              throw err;
            }
          });
        }));
        await waitComplete(ctx, name, 3);
      });
    },
  },
];
