import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, Service } from "kubernetes-types/core/v1.js";
import { findPort, podEndpoints, shouldPodBeInEndpoints } from "./addresses.js";
import { endpointSubsets, MAX_ENDPOINTS_ADDRESSES } from "./endpoints.js";
import { desiredSlices, planSlices } from "./slices.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";

interface PodOpts { ip?: string; ready?: boolean; deleting?: boolean; phase?: string; restartPolicy?: string; ports?: Array<{ name: string; containerPort: number }>; hostname?: string; subdomain?: string }
function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { nodeName: "n1", restartPolicy: o.restartPolicy ?? "Always", hostname: o.hostname, subdomain: o.subdomain, containers: [{ name: "c", ports: o.ports }] },
    status: { phase: o.phase ?? "Running", podIP: o.ip === undefined ? `10.244.0.${name.length}` : o.ip || undefined, conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }] },
  } as Pod;
}
const svc = (spec: Service["spec"] = {}): Service => ({ metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }], ...spec } });

describe("shouldPodBeInEndpoints", () => {
  const cases: Array<[string, Pod, boolean, boolean]> = [
    ["a running pod with an IP", pod("a"), false, true],
    ["no IP yet", pod("a", { ip: "" }), false, false],
    ["terminating, Endpoints", pod("a", { deleting: true }), false, false],
    ["terminating, EndpointSlices", pod("a", { deleting: true }), true, true],
    ["Succeeded under restartPolicy Never", pod("a", { phase: "Succeeded", restartPolicy: "Never" }), false, false],
    ["Failed under restartPolicy OnFailure (will restart)", pod("a", { phase: "Failed", restartPolicy: "OnFailure" }), false, true],
    ["Succeeded under OnFailure", pod("a", { phase: "Succeeded", restartPolicy: "OnFailure" }), false, false],
  ];
  for (const [name, p, includeTerminating, want] of cases) test(name, () => assert.equal(shouldPodBeInEndpoints(p, includeTerminating), want));
});

describe("findPort", () => {
  test("a number is taken as is; a name is looked up in the container ports", () => {
    const p = pod("a", { ports: [{ name: "http", containerPort: 8080 }] });
    assert.equal(findPort(p, { port: 80, targetPort: 9000 }), 9000);
    assert.equal(findPort(p, { port: 80, targetPort: "http" }), 8080);
    assert.equal(findPort(p, { port: 80, targetPort: "grpc" }), undefined);
    assert.equal(findPort(p, { port: 80 }), 80);
  });
});

describe("podEndpoints", () => {
  test("a not-ready pod is not ready, a terminating one is serving but not ready", () => {
    const eps = podEndpoints(svc(), [pod("b", { ready: false }), pod("a"), pod("c", { deleting: true })], true);
    assert.deepEqual(eps.map((e) => [e.pod.metadata!.name, e.ready, e.serving, e.terminating]), [["a", true, true, false], ["b", false, false, false], ["c", false, true, true]]);
  });

  test("publishNotReadyAddresses makes every pod ready", () => {
    const eps = podEndpoints(svc({ publishNotReadyAddresses: true }), [pod("b", { ready: false })], false);
    assert.equal(eps[0]!.ready, true);
  });

  test("a pod lacking the named targetPort gets no address", () => {
    const s = svc({ ports: [{ port: 80, targetPort: "http" }] });
    const eps = podEndpoints(s, [pod("a", { ports: [{ name: "http", containerPort: 8080 }] }), pod("bb")], false);
    assert.deepEqual(eps.map((e) => [e.pod.metadata!.name, e.ports[0]!.port]), [["a", 8080]]);
  });

  test("hostname is published only for pods whose subdomain is the service", () => {
    const eps = podEndpoints(svc(), [pod("a", { hostname: "a", subdomain: "web" }), pod("bb", { hostname: "bb", subdomain: "other" })], false);
    assert.deepEqual(eps.map((e) => e.hostname), ["a", undefined]);
  });
});

describe("endpointSubsets", () => {
  test("ready pods in addresses, the others in notReadyAddresses, one subset per port set, sorted by IP", () => {
    const eps = podEndpoints(svc(), [pod("ccc"), pod("a"), pod("bb", { ready: false })], false);
    const { subsets, truncated } = endpointSubsets(eps);
    assert.equal(truncated, false);
    assert.equal(subsets.length, 1);
    assert.deepEqual(subsets[0]!.addresses!.map((a) => a.ip), ["10.244.0.1", "10.244.0.3"]);
    assert.deepEqual(subsets[0]!.notReadyAddresses!.map((a) => a.targetRef!.name), ["bb"]);
    assert.deepEqual(subsets[0]!.ports, [{ name: "", port: 8080, protocol: "TCP" }]);
  });

  test("more than 1,000 addresses are truncated", () => {
    const pods = Array.from({ length: MAX_ENDPOINTS_ADDRESSES + 5 }, (_, i) => pod(`p${i}`, { ip: `10.0.${i >> 8}.${i & 255}` }));
    const { subsets, truncated } = endpointSubsets(podEndpoints(svc(), pods, false));
    assert.equal(truncated, true);
    assert.equal(subsets[0]!.addresses!.length, MAX_ENDPOINTS_ADDRESSES);
  });
});

describe("desiredSlices and planSlices", () => {
  const pods = (n: number) => Array.from({ length: n }, (_, i) => pod(`p${String(i).padStart(3, "0")}`, { ip: `10.0.0.${i}` }));
  const asSlice = (name: string, shape: ReturnType<typeof desiredSlices>[number]): EndpointSlice =>
    ({ metadata: { name }, addressType: "IPv4", endpoints: shape.endpoints, ports: shape.ports.map((p) => ({ ...p })) });

  test("250 endpoints make slices of 100, 100 and 50 with ready/serving/terminating conditions", () => {
    const shapes = desiredSlices(podEndpoints(svc(), pods(250), true));
    assert.deepEqual(shapes.map((s) => s.endpoints.length), [100, 100, 50]);
    assert.deepEqual(shapes[0]!.endpoints[0]!.conditions, { ready: true, serving: true, terminating: false });
  });

  test("nothing changed → no writes; one endpoint changed → one slice rewritten in place", () => {
    const shapes = desiredSlices(podEndpoints(svc(), pods(150), true));
    const existing = [asSlice("web-aaaaa", shapes[0]!), asSlice("web-bbbbb", shapes[1]!)];
    assert.deepEqual(planSlices(shapes, existing), { create: [], update: [], delete: [] });
    const changed = podEndpoints(svc(), pods(150), true);
    changed[120]!.ready = false;
    const plan = planSlices(desiredSlices(changed), existing);
    assert.deepEqual(plan.update.map((u) => u.slice.metadata!.name), ["web-bbbbb"]);
    assert.equal(plan.create.length + plan.delete.length, 0);
  });

  test("a slice with other ports is deleted and a new one created", () => {
    const old = desiredSlices(podEndpoints(svc(), pods(3), true));
    const next = desiredSlices(podEndpoints(svc({ ports: [{ port: 80, targetPort: 9090 }] }), pods(3), true));
    const plan = planSlices(next, [asSlice("web-aaaaa", old[0]!)]);
    assert.equal(plan.create.length, 1);
    assert.deepEqual(plan.delete.map((s) => s.metadata!.name), ["web-aaaaa"]);
  });
});
