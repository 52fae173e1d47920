import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { JobSpec } from "kubernetes-types/batch/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { IndexSet, parseIndexes } from "./indexes.js";
import { MAX_POD_WRITES_PER_SYNC, backoffRemaining, indexedExcess, indexesToCreate, isFailed, wantActive } from "./plan.js";

const T0 = Date.parse("2026-11-23T10:00:00Z");
const spec = (s: Partial<JobSpec>): JobSpec => ({ template: {}, ...s });
const pod = (name: string, phase: string, finishedMs = 0, index?: number): Pod => ({
  metadata: { name, creationTimestamp: new Date(T0 - 60_000).toISOString(), annotations: index === undefined ? {} : { "batch.kubernetes.io/job-completion-index": String(index) } },
  status: { phase, containerStatuses: phase === "Running" ? [] : [{ name: "c", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: phase === "Failed" ? 1 : 0, finishedAt: new Date(T0 + finishedMs).toISOString() } } }] },
});

describe("Job planning", () => {
  test("wantActive: parallelism, capped by the completions left", () => {
    assert.equal(wantActive(spec({ parallelism: 2, completions: 6 }), 0, 0), 2);
    assert.equal(wantActive(spec({ parallelism: 2, completions: 6 }), 5, 1), 1);
    assert.equal(wantActive(spec({ parallelism: 3 }), 1, 2), 2, "no completions: no new pods once one succeeded");
  });
  test("indexesToCreate: the lowest free indexes, as many as parallelism allows", () => {
    const running = [pod("a", "Running", 0, 1)];
    assert.deepEqual(indexesToCreate(spec({ completions: 5, parallelism: 3 }), IndexSet.of([0]), running), [2, 3]);
  });
  test("indexesToCreate: completions and parallelism 2147483647 give one sync's burst, skipping completed runs", () => {
    const huge = spec({ completions: 2147483647, parallelism: 2147483647 });
    const made = indexesToCreate(huge, parseIndexes("0-999999,1000001", 2147483647), []);
    assert.equal(made.length, MAX_POD_WRITES_PER_SYNC);
    assert.deepEqual(made.slice(0, 3), [1000000, 1000002, 1000003]);
  });
  test("indexedExcess: duplicates and completed indexes go", () => {
    const a = pod("a", "Running", 0, 1), b = pod("b", "Running", 0, 1), done = pod("d", "Running", 0, 0);
    assert.deepEqual(indexedExcess(spec({ completions: 3, parallelism: 3 }), IndexSet.of([0]), [a, b, done]).map((p) => p.metadata!.name).sort(), ["b", "d"]);
  });
  test("back-off: 10 s after one failure, 20 s after two, reset by a success", () => {
    const s = spec({});
    assert.equal(backoffRemaining([pod("f1", "Failed", 0)], s, T0 + 4_000), 6_000);
    assert.equal(backoffRemaining([pod("f1", "Failed", -1_000), pod("f2", "Failed", 0)], s, T0), 20_000);
    assert.equal(backoffRemaining([pod("f1", "Failed", -5_000), pod("ok", "Succeeded", 0)], s, T0), 0);
  });
  test("a pod deleted before it succeeded counts as failed, unless pods are replaced only once Failed", () => {
    const deleting = { ...pod("x", "Running"), metadata: { name: "x", deletionTimestamp: new Date(T0).toISOString() } };
    assert.equal(isFailed(deleting, spec({})), true);
    assert.equal(isFailed(deleting, spec({ podReplacementPolicy: "Failed" })), false);
  });
});
