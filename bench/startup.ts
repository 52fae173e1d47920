import { fromRuns, rounds, type Figure } from "./figure.js";
import { TugProcess } from "./harness.js";

/** Scenario 5: `tug up` on a fresh data dir until /readyz answers 200 (key generation included), 5 times. */
export async function startupBenchmarks(): Promise<Figure[]> {
  const runs = await rounds(5, async () => {
    const tug = await TugProcess.start();
    await tug.stop();
    return tug.readyMs;
  });
  return [fromRuns("tug up → /readyz, cold (fresh data dir: certificates, SQLite, every component)", runs, "ms", "≤ 1000 ms", (v) => v <= 1000)];
}
