import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { areaOf, markdownReport, staleMarks, textTable, unexpectedFailures } from "./report.js";
import type { CaseResult } from "./run.js";

const results: CaseResult[] = [
  { codename: "[sig-apps] ReplicaSet passes [Conformance]", outcome: "pass", seconds: 1.2 },
  { codename: "[sig-apps] Job fails | badly [Conformance]", outcome: "fail", detail: "Timed out", seconds: 60 },
  { codename: "[sig-apps] Job fails as known [Conformance]", outcome: "fail", detail: "wrong order", knownFailure: "issue 20: SMP order", seconds: 2 },
  { codename: "[sig-node] Pods pass though marked [Conformance]", outcome: "pass", knownFailure: "issue 20: fixed since", seconds: 3 },
  { codename: "[sig-apps] DisruptionController needs PDBs [Conformance]", outcome: "not served", detail: "PodDisruptionBudget", seconds: 0 },
];

describe("conformance report", () => {
  test("areaOf reads the sig of a codename", () => {
    assert.equal(areaOf("[sig-api-machinery] Watchers should … [Conformance]"), "sig-api-machinery");
    assert.equal(areaOf("no sig here"), "other");
  });

  test("unexpectedFailures lists failing cases without a knownFailure mark only", () => {
    assert.deepEqual(unexpectedFailures(results).map((r) => r.codename), ["[sig-apps] Job fails | badly [Conformance]"]);
  });

  test("staleMarks lists knownFailure cases that pass", () => {
    assert.deepEqual(staleMarks(results).map((r) => r.codename), ["[sig-node] Pods pass though marked [Conformance]"]);
  });

  test("markdownReport gives the counts, a row per area and a row per case with pipes escaped", () => {
    const md = markdownReport(results, { date: "2026-12-07T12:00:00.000Z", commit: "abc1234", seconds: 97.4 });
    assert.match(md, /Run 2026-12-07T12:00:00.000Z at commit abc1234; 97 s in all/);
    assert.match(md, /\*\*5 cases: 2 pass, 2 fail, 1 not served \(1 of the failures known\)\.\*\*/);
    assert.match(md, /^\| sig-apps \| 4 \| 1 \| 2 \| 1 \|$/m);
    assert.match(md, /^\| sig-node \| 1 \| 1 \| 0 \| 0 \|$/m);
    assert.match(md, /^\| \[sig-apps\] Job fails \\\| badly \[Conformance\] \| \*\*fail\*\*: Timed out \| 60\.0 \|$/m);
    assert.match(md, /fail \(known: issue 20: SMP order\): wrong order/);
    assert.match(md, /pass \(stale knownFailure: issue 20: fixed since\)/);
    assert.match(md, /^\| \[sig-apps\] DisruptionController needs PDBs \[Conformance\] \| not served: PodDisruptionBudget \| {2}\|$/m);
  });

  test("textTable prints a line a case and the counts last", () => {
    const lines = textTable(results).split("\n");
    assert.equal(lines.length, 6);
    assert.equal(lines[5], "5 cases: 2 pass, 2 fail, 1 not served (1 of the failures known)");
  });
});
