import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { buildTable } from "./table.js";

const svc = (name: string, spec: Service["spec"]): Service => ({ metadata: { name, namespace: "default" }, spec });
const slice = (service: string, endpoints: Array<[string, { ready?: boolean; terminating?: boolean }]>, ports: EndpointSlice["ports"] = [{ name: "http", port: 8080 }]): EndpointSlice => ({
  metadata: { name: `${service}-x`, namespace: "default", labels: { "kubernetes.io/service-name": service } },
  addressType: "IPv4", ports, endpoints: endpoints.map(([ip, conditions]) => ({ addresses: [ip], conditions })),
});

describe("buildTable", () => {
  test("a NodePort service answers on its cluster IP and on every host address at its node port", () => {
    const table = buildTable([svc("web", { type: "NodePort", clusterIP: "10.96.3.4", ports: [{ name: "http", port: 80, nodePort: 30080 }] })], [slice("web", [["10.88.0.2", { ready: true }]])]);
    assert.deepEqual(table.map((f) => f.key), ["10.96.3.4:80/TCP", "0.0.0.0:30080/TCP"]);
    assert.deepEqual(table[1]!.backends, [{ ip: "10.88.0.2", port: 8080 }]);
  });

  test("only ready, non-terminating endpoints take new connections; unset ready counts as ready", () => {
    const table = buildTable([svc("web", { clusterIP: "10.96.3.4", ports: [{ name: "http", port: 80 }] })], [slice("web", [
      ["10.88.0.4", { ready: false }], ["10.88.0.3", { ready: false, terminating: true }], ["10.88.0.2", {}], ["10.88.0.1", { ready: true }],
    ])]);
    assert.deepEqual(table[0]!.backends.map((b) => b.ip), ["10.88.0.1", "10.88.0.2"]);
  });

  test("endpoints from several slices are merged; ports match by name", () => {
    const table = buildTable([svc("web", { clusterIP: "10.96.3.4", ports: [{ name: "http", port: 80 }, { name: "metrics", port: 9100 }] })], [
      slice("web", [["10.88.0.1", { ready: true }]], [{ name: "http", port: 8080 }, { name: "metrics", port: 9000 }]),
      { ...slice("web", [["10.88.0.2", { ready: true }]], [{ name: "http", port: 8081 }]), metadata: { name: "web-y", namespace: "default", labels: { "kubernetes.io/service-name": "web" } } },
    ]);
    assert.deepEqual(table[0]!.backends, [{ ip: "10.88.0.1", port: 8080 }, { ip: "10.88.0.2", port: 8081 }]);
    assert.deepEqual(table[1]!.backends, [{ ip: "10.88.0.1", port: 9000 }]);
  });

  test("headless and ExternalName services have no frontend; a service without endpoints has no backends", () => {
    const table = buildTable([
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("ext", { type: "ExternalName", externalName: "example.com" }),
      svc("empty", { clusterIP: "10.96.3.5", ports: [{ port: 80 }] }),
    ], []);
    assert.deepEqual(table.map((f) => [f.key, f.backends.length]), [["10.96.3.5:80/TCP", 0]]);
  });

  test("the same port over TCP and UDP makes two frontends; ClientIP affinity carries its timeout", () => {
    const table = buildTable([svc("dns", {
      clusterIP: "10.96.0.20", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }],
    })], [slice("dns", [["10.88.0.2", { ready: true }]], [{ name: "dns", port: 5353, protocol: "UDP" }, { name: "dns-tcp", port: 5353, protocol: "TCP" }])]);
    assert.deepEqual(table.map((f) => [f.key, f.backends.map((b) => `${b.ip}:${b.port}`), f.affinityTimeoutSeconds]), [
      ["10.96.0.20:53/UDP", ["10.88.0.2:5353"], 60],
      ["10.96.0.20:53/TCP", ["10.88.0.2:5353"], 60],
    ]);
    assert.equal(buildTable([svc("web", { clusterIP: "10.96.3.4", sessionAffinity: "ClientIP", ports: [{ port: 80 }] })], [])[0]!.affinityTimeoutSeconds, 10_800);
  });
});
