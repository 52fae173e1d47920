import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, test } from "node:test";
import type { Container } from "kubernetes-types/core/v1.js";
import { FakeClock } from "../../client/clock.js";
import type { Runtime } from "../runtime/runtime.js";
import { Prober, type ProbeTarget } from "./prober.js";

/** A pod whose HTTP server listens on 127.0.0.1 (the prober asks the runtime only for the pod's address). */
const loopback = { podAddress: () => "127.0.0.1" } as unknown as Runtime;

async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function listen(port: number): Promise<Server> {
  const s = createServer((_, res) => res.end("ok")).listen(port, "127.0.0.1");
  return new Promise((resolve) => s.once("listening", () => resolve(s)));
}

function target(port: number, startedAt: number, initialDelaySeconds = 0): ProbeTarget {
  return {
    podUid: "uid", containerId: "c1", sandboxId: "s1", startedAt,
    container: { name: "web", readinessProbe: { httpGet: { path: "/", port }, periodSeconds: 10, initialDelaySeconds } },
  };
}

/** Hooks that resolve when the prober reports a failed attempt or a flipped result. */
function hooks() {
  const seen: string[] = [];
  let wake = () => {};
  const next = (what: string) => new Promise<void>((resolve) => {
    wake = () => { if (seen.includes(what)) resolve(); };
    wake();
  });
  return {
    seen, next,
    hooks: { changed: () => { seen.push("changed"); wake(); }, failed: () => { seen.push("failed"); wake(); } },
  };
}

test("Prober readiness: a server still starting at the first attempt is ready one relist (1 s) later, not a period later", async () => {
  const clock = new FakeClock();
  const port = await freePort();
  const h = hooks();
  const prober = new Prober(loopback, clock, h.hooks);
  prober.ensure(target(port, clock.now()));
  clock.advance(0);
  await h.next("failed");
  assert.equal(prober.result("c1", "readiness"), false);
  const server = await listen(port);
  try {
    clock.advance(1000);
    await h.next("changed");
    assert.equal(prober.result("c1", "readiness"), true);
  } finally {
    prober.stop("c1");
    server.close();
  }
});

test("Prober.triggerReadiness: an unready container is probed at once when its status is generated, never before initialDelaySeconds", async () => {
  const clock = new FakeClock();
  const port = await freePort();
  const server = await listen(port);
  const h = hooks();
  const prober = new Prober(loopback, clock, h.hooks);
  try {
    prober.ensure(target(port, clock.now(), 30));
    prober.triggerReadiness("c1");
    clock.advance(29_000);
    prober.triggerReadiness("c1");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(h.seen, [], "no attempt before the initial delay");
    assert.equal(prober.result("c1", "readiness"), false);
    clock.advance(1_000);
    await h.next("changed");
    assert.equal(prober.result("c1", "readiness"), true);
  } finally {
    prober.stop("c1");
    server.close();
  }
});

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
