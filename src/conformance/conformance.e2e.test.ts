import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALL_CASES } from "./cases/index.js";
import { staleMarks, textTable, unexpectedFailures } from "./report.js";
import { runCases, startSuiteCluster, type SuiteCluster } from "./run.js";

/**
 * Runs in `npm test` on its own (`npm run test:conformance`, a 10-minute file timeout): a CronJob case
 * waits for two scheduled runs, up to two minutes, longer than the 120 s the other test files get.
 */
describe("conformance suite (upstream's conformance.yaml behaviours against tug up)", () => {
  let suite: SuiteCluster;
  before(async () => {
    suite = await startSuiteCluster();
  });
  after(async () => {
    await suite?.stop();
  });

  test("runCases passes every case not marked knownFailure, and no knownFailure mark is stale", { timeout: 900_000 }, async (t) => {
    const results = await runCases(suite, ALL_CASES);
    for (const line of textTable(results).split("\n")) t.diagnostic(line);
    const failing = unexpectedFailures(results).map((r) => `${r.codename}: ${r.detail}`);
    const stale = staleMarks(results).map((r) => `${r.codename} passes (marked knownFailure: ${r.knownFailure})`);
    assert.deepEqual([...failing, ...stale], [], `${failing.length} unexpected failures, ${stale.length} stale knownFailure marks`);
  });
});
