import type { Container, Probe } from "kubernetes-types/core/v1.js";
import type { Clock } from "../../client/clock.js";
import type { Runtime } from "../runtime/runtime.js";
import { runHandler } from "./probe.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

/** The kubelet's PLEG relist period. */
const RELIST_MS = 1000;

const KIND_WORD: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export interface ProbeTarget {
  podUid: string;
  containerId: string;
  sandboxId: string;
  container: Container;
  startedAt: number;
}

export interface ProberHooks {
  /** A probe's result flipped (the pod's status or actions may change). */
  changed(podUid: string): void;
  /** One failed attempt: the kubelet's Unhealthy event. */
  failed(target: ProbeTarget, message: string): void;
}

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  result: boolean;
  successes: number;
  failures: number;
  /** When the first attempt may run (startedAt + initialDelaySeconds). */
  firstAt: number;
  inFlight: boolean;
  cancel?: () => void;
  stopped: boolean;
}

/**
 * Probe workers, one per container and probe kind, as the kubelet's prober manager runs them: the first
 * attempt after initialDelaySeconds, then every periodSeconds with timeoutSeconds; the result flips after
 * successThreshold successes or failureThreshold failures in a row. Readiness starts failed, liveness and
 * startup start passing/unknown; liveness and readiness wait until the startup probe has passed.
 */
export class Prober {
  private readonly workers = new Map<string, { target: ProbeTarget; byKind: Map<ProbeKind, Worker> }>();

  constructor(private readonly runtime: Runtime, private readonly clock: Clock, private readonly hooks: ProberHooks) {}

  /**
   * Starts the container's probe workers unless they run already. `was`: what the pod's status said of a
   * container adopted after an agent restart — started, it is not probed for startup again (as upstream);
   * ready, readiness starts passing until a probe says otherwise (its endpoints don't flap).
   */
  ensure(target: ProbeTarget, was?: { started?: boolean; ready?: boolean }): void {
    if (this.workers.has(target.containerId)) return;
    const byKind = new Map<ProbeKind, Worker>();
    const probes: Array<[ProbeKind, Probe | undefined]> = [
      ["startup", target.container.startupProbe], ["liveness", target.container.livenessProbe], ["readiness", target.container.readinessProbe],
    ];
    this.workers.set(target.containerId, { target, byKind });
    for (const [kind, probe] of probes) {
      if (!probe) continue;
      const firstAt = target.startedAt + (probe.initialDelaySeconds ?? 0) * 1000;
      const w: Worker = {
        kind, probe, result: kind === "liveness" || (kind === "readiness" && was?.ready === true), successes: 0, failures: 0, firstAt, inFlight: false, stopped: false,
      };
      byKind.set(kind, w);
      if (kind === "startup" && was?.started === true) {
        w.result = true;
        continue;
      }
      w.cancel = this.clock.setTimer(Math.max(0, firstAt - this.clock.now()), () => void this.tick(target, w));
    }
    // Upstream's kubelet notices a started container on its next relist (PLEG, every second) and generates
    // the pod's status again, which triggers the readiness probe: a server that was still starting at the
    // first attempt is ready a second later, not a whole period later.
    if (byKind.has("readiness")) this.clock.setTimer(Math.max(0, target.startedAt + RELIST_MS - this.clock.now()), () => this.triggerReadiness(target.containerId));
  }

  /**
   * Runs the container's readiness probe now if it is not ready yet, as upstream's prober manager does
   * each time the pod's status is generated: a container that failed its first probe while it was still
   * starting becomes ready on the next status, not one whole period later. Never before initialDelaySeconds,
   * never while an attempt is running.
   */
  triggerReadiness(containerId: string): void {
    const entry = this.workers.get(containerId);
    const w = entry?.byKind.get("readiness");
    if (!entry || !w || w.result || w.stopped || w.inFlight || this.clock.now() < w.firstAt) return;
    w.cancel?.();
    void this.tick(entry.target, w);
  }

  private startupPassed(containerId: string): boolean {
    const w = this.workers.get(containerId)?.byKind.get("startup");
    return !w || w.result;
  }

  private async tick(target: ProbeTarget, w: Worker): Promise<void> {
    if (w.stopped) return;
    const period = (w.probe.periodSeconds ?? 10) * 1000;
    const waitsForStartup = w.kind !== "startup" && !this.startupPassed(target.containerId);
    const startupDone = w.kind === "startup" && w.result;
    if (!waitsForStartup && !startupDone) {
      const host = this.runtime.podAddress(target.sandboxId);
      w.inFlight = true;
      const r = await runHandler(w.probe, this.runtime, target.containerId, host, target.container, (w.probe.timeoutSeconds ?? 1) * 1000)
        .finally(() => { w.inFlight = false; });
      if (w.stopped) return;
      if (r.ok) {
        w.failures = 0;
        w.successes++;
        const needed = w.kind === "readiness" ? (w.probe.successThreshold ?? 1) : 1;
        if (!w.result && w.successes >= needed) {
          w.result = true;
          this.hooks.changed(target.podUid);
        }
      } else {
        w.successes = 0;
        w.failures++;
        this.hooks.failed(target, `${KIND_WORD[w.kind]} probe failed: ${r.output}`);
        if (w.failures >= (w.probe.failureThreshold ?? 3) && (w.result || w.kind === "startup")) {
          w.result = false;
          if (w.kind === "startup") w.failures = -Infinity; // report once; the container is being restarted
          this.hooks.changed(target.podUid);
        }
      }
    }
    if (!w.stopped) w.cancel = this.clock.setTimer(period, () => void this.tick(target, w));
  }

  /** The container's current result for a kind: undefined when it has no such probe. */
  result(containerId: string, kind: ProbeKind): boolean | undefined {
    return this.workers.get(containerId)?.byKind.get(kind)?.result;
  }

  /** True when a liveness or startup probe has failed for good: the container must be restarted. */
  failedFatally(containerId: string): ProbeKind | undefined {
    const ws = this.workers.get(containerId)?.byKind;
    if (!ws) return undefined;
    if (ws.get("liveness")?.result === false) return "liveness";
    const s = ws.get("startup");
    if (s && !s.result && s.failures === -Infinity) return "startup";
    return undefined;
  }

  /** Whether the container counts as started (startup probe passed, or none). */
  started(containerId: string): boolean {
    return this.startupPassed(containerId);
  }

  stop(containerId: string): void {
    const entry = this.workers.get(containerId);
    if (!entry) return;
    for (const w of entry.byKind.values()) {
      w.stopped = true;
      w.cancel?.();
    }
    this.workers.delete(containerId);
  }

  stopPod(podUid: string): void {
    for (const [id, entry] of [...this.workers]) if (entry.target.podUid === podUid) this.stop(id);
  }
}
