import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Container } from "kubernetes-types/core/v1.js";
import { FakeClock } from "../../client/clock.js";
import type { Runtime } from "../runtime/runtime.js";
import { Prober } from "./prober.js";

describe("Prober.ensure", () => {
  const probe = { exec: { command: ["true"] }, periodSeconds: 1 };
  const container: Container = { name: "web", startupProbe: probe, readinessProbe: probe };
  // No probe runs here (the clock never advances): the runtime is never asked.
  const prober = () => new Prober({} as Runtime, new FakeClock(), { changed: () => undefined, failed: () => undefined });
  const target = (containerId: string) => ({ podUid: "u", containerId, sandboxId: "s", container, startedAt: 0 });

  it("starts a new container unstarted (startup probe pending) and unready", () => {
    const p = prober();
    p.ensure(target("new"));
    assert.deepEqual([p.started("new"), p.result("new", "readiness")], [false, false]);
  });

  it("keeps what the pod's status said of an adopted container: started (no startup probing again) and ready", () => {
    const p = prober();
    p.ensure(target("adopted"), { started: true, ready: true });
    assert.deepEqual([p.started("adopted"), p.result("adopted", "readiness")], [true, true]);
    p.ensure(target("unready"), { started: true, ready: false });
    assert.deepEqual([p.started("unready"), p.result("unready", "readiness")], [true, false]);
  });
});
