import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Balancer, tryOrder } from "./balancer.js";
import type { Frontend } from "./table.js";

const a = { ip: "10.88.0.2", port: 80 };
const b = { ip: "10.88.0.3", port: 80 };
const c = { ip: "10.88.0.4", port: 80 };

describe("tryOrder", () => {
  const cases: Array<{ name: string; first: number; failed: Array<[string, number]>; now: number; want: typeof a[] }> = [
    { name: "round robin from the turn's backend", first: 1, failed: [], now: 0, want: [b, c, a] },
    { name: "a backend that just failed comes last", first: 0, failed: [["10.88.0.2:80", 1_000]], now: 2_000, want: [b, c, a] },
    { name: "failures keep the round-robin order among themselves", first: 1, failed: [["10.88.0.3:80", 1_000], ["10.88.0.4:80", 1_500]], now: 2_000, want: [a, b, c] },
    { name: "a failure 10 s old no longer counts", first: 0, failed: [["10.88.0.2:80", 1_000]], now: 11_000, want: [a, b, c] },
  ];
  for (const t of cases) {
    test(t.name, () => assert.deepEqual(tryOrder([a, b, c], t.first, new Map(t.failed), t.now), t.want));
  }
});

describe("Balancer", () => {
  const frontend = (affinityTimeoutSeconds?: number): Frontend => ({ key: "10.96.0.5:80/TCP", ip: "10.96.0.5", port: 80, protocol: "TCP", service: "default/web:", backends: [a, b, c], affinityTimeoutSeconds });
  /** The backend each connection of `clients` lands on, at the given times (ms). */
  const landings = (balancer: Balancer, clients: Array<[string, number]>, clock: { now: number }) => clients.map(([client, at]) => {
    clock.now = at;
    const backend = balancer.candidates(client)[0]!;
    balancer.accepted(client, backend);
    return backend.ip;
  });

  test("without affinity, connections go round robin whoever sends them", () => {
    const clock = { now: 0 };
    assert.deepEqual(landings(new Balancer(frontend(), () => clock.now), [["192.0.2.1", 0], ["192.0.2.1", 1], ["192.0.2.1", 2]], clock), ["10.88.0.2", "10.88.0.3", "10.88.0.4"]);
  });
  test("ClientIP affinity: a client keeps its backend while it comes back within the timeout, others are balanced", () => {
    const clock = { now: 0 };
    const balancer = new Balancer(frontend(10), () => clock.now);
    assert.deepEqual(landings(balancer, [["192.0.2.1", 0], ["192.0.2.2", 1_000], ["192.0.2.1", 9_000], ["192.0.2.1", 18_000]], clock), ["10.88.0.2", "10.88.0.3", "10.88.0.2", "10.88.0.2"]);
  });
  test("ClientIP affinity ends after the timeout without a connection", () => {
    const clock = { now: 0 };
    const balancer = new Balancer(frontend(10), () => clock.now);
    assert.deepEqual(landings(balancer, [["192.0.2.1", 0], ["192.0.2.1", 10_000]], clock), ["10.88.0.2", "10.88.0.3"]);
  });
  test("a sticky backend that left the endpoints is forgotten", () => {
    const clock = { now: 0 };
    const balancer = new Balancer(frontend(10), () => clock.now);
    landings(balancer, [["192.0.2.1", 0]], clock);
    balancer.update({ backends: [b, c], affinityTimeoutSeconds: 10 });
    assert.equal(balancer.candidates("192.0.2.1")[0]!.ip, "10.88.0.4");
  });
  test("a sticky backend that refused is still tried first only while it stays in the order", () => {
    const clock = { now: 0 };
    const balancer = new Balancer(frontend(10), () => clock.now);
    landings(balancer, [["192.0.2.1", 0]], clock);
    balancer.refused(a);
    assert.deepEqual(balancer.candidates("192.0.2.1").map((x) => x.ip), ["10.88.0.2", "10.88.0.3", "10.88.0.4"]);
  });
  test("switching affinity off (or on) takes effect for the next connection", () => {
    const clock = { now: 0 };
    const balancer = new Balancer(frontend(10), () => clock.now);
    assert.deepEqual(landings(balancer, [["192.0.2.1", 0], ["192.0.2.1", 1]], clock), ["10.88.0.2", "10.88.0.2"]);
    balancer.update({ backends: [a, b, c] });
    assert.deepEqual(landings(balancer, [["192.0.2.1", 2], ["192.0.2.1", 3]], clock), ["10.88.0.4", "10.88.0.2"]);
    balancer.update({ backends: [a, b, c], affinityTimeoutSeconds: 10 });
    assert.deepEqual(landings(balancer, [["192.0.2.1", 4], ["192.0.2.1", 5]], clock), ["10.88.0.3", "10.88.0.3"]);
  });
});
