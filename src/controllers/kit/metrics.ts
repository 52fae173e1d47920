import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The controller manager's Prometheus metrics, named as client-go's workqueue metrics and labelled by
 * controller: queue depth, adds, retries, and how long each sync took.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly depthSources = new Map<string, () => number>();
  readonly adds: Counter<"name">;
  readonly retries: Counter<"name">;
  readonly syncDuration: Histogram<"name">;

  constructor() {
    const registers = [this.registry];
    const sources = this.depthSources;
    new Gauge({
      name: "workqueue_depth", help: "Current depth of the controller's work queue.", labelNames: ["name"], registers,
      collect() {
        for (const [name, depth] of sources) this.set({ name }, depth());
      },
    });
    this.adds = new Counter({ name: "workqueue_adds_total", help: "Keys added to the controller's work queue.", labelNames: ["name"], registers });
    this.retries = new Counter({ name: "workqueue_retries_total", help: "Keys re-queued with back-off after a failed sync.", labelNames: ["name"], registers });
    this.syncDuration = new Histogram({
      name: "controller_sync_duration_seconds", help: "How long one sync of a key took.", labelNames: ["name"], registers,
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  trackDepth(name: string, depth: () => number): void {
    this.depthSources.set(name, depth);
  }

  /** The text exposition format for /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
