import { DEPLOYMENTS, NODES } from "../src/client/resources.js";
import { fromRuns, type Figure } from "./figure.js";
import { buckets, quantile, TugProcess, until } from "./harness.js";
import { deployment, rolledOut } from "./scale.js";

/**
 * Issue 5's figures beside scenario 1 (bench/scale.ts), on 1,000 simulated nodes: a Recreate of 1,000
 * replicas (from the template change until status reports every replica updated and available), and the
 * deployment controller's sync p99 while 100 Deployments roll at once, three times (from its
 * controller_sync_duration_seconds histogram).
 */
export async function deploymentBenchmarks(): Promise<Figure[]> {
  const tug = await TugProcess.start(["--nodes", "1000", "--runtime", "simulated"]);
  const client = tug.client();
  const figures: Figure[] = [];
  const limit = 300_000;
  /** Changes the template (the image). */
  const roll = (name: string, image: string) => client.patch(DEPLOYMENTS, "default", name, "strategic", { spec: { template: { spec: { containers: [{ name: "c", image }] } } } });
  try {
    await until("1000 nodes", async () => (await client.list(NODES, undefined, { limit: 1000 })).items.length >= 1000, 60_000);

    const m = 1_000;
    await client.create(DEPLOYMENTS, "default", deployment("recreate", m, { type: "Recreate" }));
    await until(`${m} available`, rolledOut(client, "recreate", m), limit);
    const began2 = performance.now();
    await roll("recreate", "ikubernetes/myapp:v2");
    await until("recreate complete", rolledOut(client, "recreate", m), limit);
    const recreate = performance.now() - began2;
    figures.push({ name: `Recreate of a ${m}-replica Deployment`, value: recreate / 1000, unit: "s", goal: "≤ 5 s", met: recreate <= 5_000 });
    await client.delete(DEPLOYMENTS, "default", "recreate", { propagationPolicy: "Background" });

    const metrics = await tug.metricsUrl();
    const scrape = async () => buckets(await (await fetch(metrics)).text(), "controller_sync_duration_seconds", 'name="deployment-controller"');
    const names = Array.from({ length: 100 }, (_, i) => `d${i}`);
    await Promise.all(names.map((name) => client.create(DEPLOYMENTS, "default", deployment(name, 10, { type: "RollingUpdate" }))));
    await until("100 deployments available", async () => (await Promise.all(names.map((x) => rolledOut(client, x, 10)()))).every(Boolean), limit);
    // Three rollouts of all 100, one after another (v2, v3, v4): the first runs on a colder process.
    const p99s: number[] = [];
    let syncs = 0;
    for (let round = 0; round < 3; round++) {
      const before = await scrape();
      await Promise.all(names.map((name) => roll(name, `ikubernetes/myapp:v${round + 2}`)));
      await until("100 rollouts complete", async () => (await Promise.all(names.map((x) => rolledOut(client, x, 10)()))).every(Boolean), limit);
      const p99 = quantile(0.99, before, await scrape());
      p99s.push(p99.value * 1000);
      syncs += p99.count;
    }
    figures.push(fromRuns("deployment controller sync p99, 100 Deployments rolling at once", p99s, "ms", "≤ 10 ms", (v) => v <= 10, {
      detail: `${syncs} syncs in 3 rollouts; histogram_quantile over controller_sync_duration_seconds`,
    }));
  } finally {
    client.close();
    await tug.stop();
  }
  return figures;
}
