import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALL_CASES } from "./cases/index.js";
import { staleMarks, textTable, unexpectedFailures } from "./report.js";
import { runCases, startSuiteCluster, type SuiteCluster } from "./run.js";

describe("conformance suite (upstream's conformance.yaml behaviours against tug up)", () => {
  let suite: SuiteCluster;
  before(async () => {
    suite = await startSuiteCluster();
  });
  after(async () => {
    await suite?.stop();
  });

  test("runCases passes every case not marked knownFailure, and no knownFailure mark is stale", { timeout: 900_000 }, async (t) => {
    const results = await runCases(suite, ALL_CASES, { concurrency: 4 });
    t.diagnostic(`\n${textTable(results)}`);
    const failing = unexpectedFailures(results).map((r) => `${r.codename}: ${r.detail}`);
    const stale = staleMarks(results).map((r) => `${r.codename} passes (marked knownFailure: ${r.knownFailure})`);
    assert.deepEqual([...failing, ...stale], [], `${failing.length} unexpected failures, ${stale.length} stale knownFailure marks`);
  });
});
