import { DAEMONSETS, JOBS, NODES } from "../src/client/resources.js";
import type { Figure } from "./figure.js";
import { TugProcess, until } from "./harness.js";

const podSpec = (image: string) => ({ containers: [{ name: "c", image, resources: { requests: { cpu: "10m", memory: "16Mi" } } }] });

/**
 * Issue 6's figures on 1,000 simulated nodes: a DaemonSet rolled out (a Ready pod on every node), then
 * updated to a new image with maxUnavailable 10%; and a Job of 1,000 completions with parallelism 100.
 * Each is timed from the write to the status saying it is done.
 */
export async function workloadBenchmarks(): Promise<Figure[]> {
  const tug = await TugProcess.start(["--nodes", "1000", "--runtime", "simulated"]);
  const client = tug.client();
  const figures: Figure[] = [];
  const nodes = 1000;
  try {
    await until(`${nodes} nodes`, async () => (await client.list(NODES, undefined, { limit: nodes })).items.length >= nodes, 60_000);
    type DsStatus = { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number };
    const ds = async () => {
      const o = await client.get(DAEMONSETS, "default", "agent");
      return { generation: o.metadata.generation ?? 0, status: (o.status ?? {}) as DsStatus };
    };
    const rolledOut = async () => {
      const { generation, status: s } = await ds();
      return (s.observedGeneration ?? 0) >= generation && s.desiredNumberScheduled === nodes && s.updatedNumberScheduled === nodes && s.numberAvailable === nodes;
    };
    await client.create(DAEMONSETS, "default", {
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" },
      spec: {
        selector: { matchLabels: { app: "agent" } },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
        template: { metadata: { labels: { app: "agent" } }, spec: podSpec("ikubernetes/myapp:v1") },
      },
    });
    const create = await until("DaemonSet rolled out", rolledOut, 180_000);
    figures.push({ name: `DaemonSet on ${nodes} simulated nodes, a Ready pod on each`, value: create / 1000, unit: "s", goal: "≤ 5 s", met: create <= 5_000 });
    await client.patch(DAEMONSETS, "default", "agent", "strategic", { spec: { template: { spec: { containers: [{ name: "c", image: "ikubernetes/myapp:v2" }] } } } });
    const update = await until("DaemonSet updated", rolledOut, 300_000);
    figures.push({ name: `DaemonSet image update on ${nodes} nodes, maxUnavailable 10%`, value: update / 1000, unit: "s", goal: "≤ 15 s", met: update <= 15_000 });
    await client.delete(DAEMONSETS, "default", "agent", { propagationPolicy: "Background" });

    await client.create(JOBS, "default", {
      apiVersion: "batch/v1", kind: "Job", metadata: { name: "batch" },
      spec: { completions: 1000, parallelism: 100, template: { spec: { ...podSpec("busybox"), restartPolicy: "Never" } } },
    });
    const job = await until("Job complete", async () => {
      const conditions = ((await client.get(JOBS, "default", "batch")).status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      return conditions.some((c) => c.type === "Complete" && c.status === "True");
    }, 300_000);
    figures.push({ name: "Job of 1,000 completions, parallelism 100, on simulated nodes", value: job / 1000, unit: "s", goal: "≤ 10 s", met: job <= 10_000 });
  } finally {
    client.close();
    await tug.stop();
  }
  return figures;
}
