import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Endpoints } from "kubernetes-types/core/v1.js";
import { mirroredSlices } from "./mirror-plan.js";

const endpoints = (subsets: Endpoints["subsets"]): Endpoints => ({ metadata: { name: "db", namespace: "default" }, subsets });

describe("mirroredSlices", () => {
  test("subsets with the same ports share one slice; ready and not-ready addresses keep their condition", () => {
    const shapes = mirroredSlices(endpoints([
      { addresses: [{ ip: "10.1.0.1", hostname: "a" }, { ip: "10.1.0.2" }], ports: [{ port: 5432 }] },
      { notReadyAddresses: [{ ip: "10.1.0.3", nodeName: "n1" }], ports: [{ port: 5432, protocol: "TCP" }] },
    ]));
    assert.deepEqual(shapes, [{
      ports: [{ name: "", port: 5432, protocol: "TCP" }],
      endpoints: [
        { addresses: ["10.1.0.1"], conditions: { ready: true }, hostname: "a" },
        { addresses: ["10.1.0.2"], conditions: { ready: true } },
        { addresses: ["10.1.0.3"], conditions: { ready: false }, nodeName: "n1" },
      ],
    }]);
  });
  test("different ports make different slices", () => {
    const shapes = mirroredSlices(endpoints([
      { addresses: [{ ip: "10.1.0.1" }], ports: [{ name: "http", port: 80 }] },
      { addresses: [{ ip: "10.1.0.2" }], ports: [{ name: "https", port: 443, appProtocol: "https" }] },
    ]));
    assert.deepEqual(shapes.map((s) => s.ports), [[{ name: "http", port: 80, protocol: "TCP" }], [{ name: "https", port: 443, protocol: "TCP", appProtocol: "https" }]]);
  });
  test("a subset's addresses past the maximum are not mirrored", () => {
    const addresses = Array.from({ length: 5 }, (_, i) => ({ ip: `10.1.0.${i + 1}` }));
    assert.equal(mirroredSlices(endpoints([{ addresses, ports: [{ port: 80 }] }]), 3)[0]!.endpoints.length, 3);
  });
  test("addresses that are not IPv4 are left out, and an empty Endpoints mirrors to nothing", () => {
    assert.deepEqual(mirroredSlices(endpoints([{ addresses: [{ ip: "fd00::1" }, { ip: "999.1.1.1" }], ports: [{ port: 80 }] }])), []);
    assert.deepEqual(mirroredSlices(endpoints(undefined)), []);
  });
});
