import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { podPortMappings } from "./port-mappings.js";

const pod = (spec: Partial<NonNullable<Pod["spec"]>>): Pod => ({ metadata: { name: "p" }, spec: { containers: [], ...spec } });

describe("podPortMappings", () => {
  test("container ports with a hostPort, TCP by default, hostIP kept", () => {
    assert.deepEqual(podPortMappings(pod({
      containers: [
        { name: "a", ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9090 }] },
        { name: "b", ports: [{ containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "127.0.0.1" }] },
      ],
    })), [
      { containerPort: 80, hostPort: 8080, protocol: "TCP" },
      { containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "127.0.0.1" },
    ]);
  });
  test("the same hostPort twice is forwarded once", () => {
    assert.equal(podPortMappings(pod({ containers: [{ name: "a", ports: [{ containerPort: 80, hostPort: 8080 }] }, { name: "b", ports: [{ containerPort: 80, hostPort: 8080 }] }] })).length, 1);
  });
  test("a hostNetwork pod forwards nothing", () => {
    assert.deepEqual(podPortMappings(pod({ hostNetwork: true, containers: [{ name: "a", ports: [{ containerPort: 80, hostPort: 80 }] }] })), []);
  });
});
