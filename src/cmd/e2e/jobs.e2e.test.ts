import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually, rows } from "./harness.js";

interface JobJson {
  status: { succeeded?: number; failed?: number; active?: number; completedIndexes?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

const job = (name: string, spec: Record<string, unknown>, command: string) => JSON.stringify({
  apiVersion: "batch/v1", kind: "Job", metadata: { name },
  spec: { ...spec, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", command] }] } } },
});

describe("Job controller with real processes", () => {
  let c: Cluster;
  const get = (name: string) => c.json<JobJson>(["get", "job", name]);
  const condition = (name: string, type: string) => (get(name).status.conditions ?? []).find((x) => x.type === type && x.status === "True");

  before(async () => {
    c = await Cluster.start();
  });
  after(() => c.stop());

  test("completions 6 with parallelism 2: never more than 2 pods at once, then Complete", async () => {
    c.ok(["apply", "-f", "-"], job("pairs", { completions: 6, parallelism: 2 }, "sleep 0.5"));
    let most = 0;
    await eventually("Complete", () => {
      const active = rows(c.ok(["get", "pods", "-l", "job-name=pairs", "--no-headers", "-o", "custom-columns=N:metadata.name,P:status.phase"]))
        .filter((r) => r[1] === "Running" || r[1] === "Pending").length;
      most = Math.max(most, active);
      return condition("pairs", "Complete") !== undefined;
    }, 40_000);
    assert.ok(most <= 2, `saw ${most} active pods`);
    assert.equal(get("pairs").status.succeeded, 6);
    assert.deepEqual(rows(c.ok(["get", "job", "pairs"]))[1]!.slice(0, 3), ["pairs", "Complete", "6/6"]);
    assert.match(c.ok(["describe", "job", "pairs"]), /Pods Statuses:\s+0 Active \(0 Ready\) \/ 6 Succeeded \/ 0 Failed/);
    const finalizers = c.ok(["get", "pods", "-l", "job-name=pairs", "-o", "jsonpath={.items[*].metadata.finalizers}"]);
    assert.equal(finalizers.trim(), "", "every counted pod lets go of the job-tracking finalizer");
  });

  test("Indexed: each pod gets its JOB_COMPLETION_INDEX, named <job>-<index>-xxxxx", async () => {
    c.ok(["apply", "-f", "-"], job("indexed", { completions: 3, parallelism: 3, completionMode: "Indexed" }, "echo index=$JOB_COMPLETION_INDEX"));
    await eventually("Complete", () => condition("indexed", "Complete") !== undefined, 30_000);
    assert.equal(get("indexed").status.completedIndexes, "0-2");
    const pods = rows(c.ok(["get", "pods", "-l", "job-name=indexed", "--no-headers", "-o", "custom-columns=N:metadata.name"])).map((r) => r[0]!).sort();
    pods.forEach((name, i) => assert.match(name, new RegExp(`^indexed-${i}-[a-z0-9]{5}$`)));
    for (const [i, name] of pods.entries()) assert.equal(c.ok(["logs", name]).trim(), `index=${i}`);
  });

  test("backoffLimit: a failing pod is retried after the back-off, then the Job fails", async () => {
    c.ok(["apply", "-f", "-"], job("fails", { backoffLimit: 1 }, "exit 1"));
    await eventually("Failed", () => condition("fails", "Failed") !== undefined, 40_000);
    const failed = condition("fails", "Failed")!;
    assert.equal(failed.reason, "BackoffLimitExceeded");
    assert.equal(failed.message, "Job has reached the specified backoff limit");
    assert.equal(get("fails").status.failed, 2);
    assert.match(c.ok(["describe", "job", "fails"]), /Warning\s+BackoffLimitExceeded\s+\S+\s+job-controller\s+Job has reached the specified backoff limit/);
  });

  test("podFailurePolicy FailJob on an exit code fails at once; activeDeadlineSeconds stops a long job", async () => {
    c.ok(["apply", "-f", "-"], JSON.stringify({
      ...JSON.parse(job("policy", { backoffLimit: 6 }, "exit 42")),
      spec: { ...JSON.parse(job("policy", { backoffLimit: 6 }, "exit 42")).spec, podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }] } },
    }));
    c.ok(["apply", "-f", "-"], job("deadline", { activeDeadlineSeconds: 2 }, "sleep 60"));
    await eventually("policy Failed", () => condition("policy", "Failed") !== undefined, 20_000);
    assert.equal(condition("policy", "Failed")!.reason, "PodFailurePolicy");
    assert.match(condition("policy", "Failed")!.message!, /^Container main for pod default\/policy-\w{5} failed with exit code 42 matching FailJob rule at index 0$/);
    await eventually("deadline Failed", () => condition("deadline", "Failed") !== undefined, 40_000);
    assert.equal(condition("deadline", "Failed")!.reason, "DeadlineExceeded");
    assert.equal(c.ok(["get", "pods", "-l", "job-name=deadline", "--field-selector=status.phase=Running", "-o", "name"]).trim(), "");
  });

  test("suspend holds pods back until resumed; ttlSecondsAfterFinished deletes the finished Job", async () => {
    c.ok(["apply", "-f", "-"], job("later", { suspend: true, ttlSecondsAfterFinished: 1 }, "true"));
    await eventually("Suspended", () => condition("later", "Suspended") !== undefined);
    assert.equal(rows(c.ok(["get", "job", "later"]))[1]![1], "Suspended");
    assert.equal(c.ok(["get", "pods", "-l", "job-name=later", "-o", "name"]).trim(), "");
    c.ok(["patch", "job", "later", "--type=merge", "-p", '{"spec":{"suspend":false}}']);
    await eventually("deleted after its TTL", () => c.kubectl(["get", "job", "later"]).code !== 0, 30_000);
  });

  test("bad input: 422s with upstream's messages", () => {
    const negative = c.kubectl(["apply", "-f", "-"], job("neg", { parallelism: -1 }, "true"));
    assert.match(negative.stderr, /spec.parallelism: Invalid value: -1: must be greater than or equal to 0/);
    const immutable = c.kubectl(["patch", "job", "pairs", "--type=merge", "-p", '{"spec":{"completions":7}}']);
    assert.match(immutable.stderr, /spec.completions: Invalid value: 7: field is immutable/);
    const schedule = c.kubectl(["create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *", "--", "true"]);
    assert.match(schedule.stderr, /spec.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    const zone = c.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "tz" }, spec: { schedule: "@daily", timeZone: "Mars/Olympus", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } } } }));
    assert.match(zone.stderr, /spec.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
  });
});
