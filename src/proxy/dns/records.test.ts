import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { resolveName, type ClusterView } from "./records.js";

const services: Record<string, Service> = {
  "default/web": { metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.5.6", ports: [{ name: "http", port: 80 }] } },
  "default/nginx": { metadata: { name: "nginx", namespace: "default" }, spec: { clusterIP: "None", ports: [{ name: "http", port: 80 }] } },
  "default/ext": { metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.com" } },
};
const slices: EndpointSlice[] = [{
  metadata: { name: "nginx-abcde", namespace: "default", labels: { "kubernetes.io/service-name": "nginx" } }, addressType: "IPv4",
  endpoints: [
    { addresses: ["10.88.0.2"], hostname: "web-0", conditions: { ready: true } },
    { addresses: ["10.88.0.3"], hostname: "web-1", conditions: { ready: true } },
    { addresses: ["10.88.0.4"], hostname: "web-2", conditions: { ready: false } },
  ],
}];
const view: ClusterView = {
  service: (ns, name) => services[`${ns}/${name}`],
  slices: (ns, name) => slices.filter((s) => s.metadata!.namespace === ns && s.metadata!.labels!["kubernetes.io/service-name"] === name),
};
const ask = (name: string, type = "A") => resolveName(view, "cluster.local", name, type);
const ips = (name: string) => ask(name).records.map((r) => r.data);

describe("resolveName", () => {
  test("<svc>.<ns>.svc.cluster.local → the cluster IP", () => assert.deepEqual(ips("web.default.svc.cluster.local"), ["10.96.5.6"]));
  test("a headless service → its ready endpoints", () => assert.deepEqual(ips("nginx.default.svc.cluster.local"), ["10.88.0.2", "10.88.0.3"]));
  test("<pod>.<svc>.<ns>.svc.cluster.local → that StatefulSet pod", () => assert.deepEqual(ips("web-1.nginx.default.svc.cluster.local."), ["10.88.0.3"]));
  test("a not-ready pod's name is not published", () => assert.equal(ask("web-2.nginx.default.svc.cluster.local").rcode, "NXDOMAIN"));
  test("ExternalName → CNAME", () => assert.deepEqual(ask("ext.default.svc.cluster.local").records, [{ name: "ext.default.svc.cluster.local", type: "CNAME", data: "example.com" }]));
  test("SRV for a named port", () => assert.deepEqual(ask("_http._tcp.web.default.svc.cluster.local", "SRV").records[0]!.data, { priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }));
  test("pod A records from the dashed address", () => assert.deepEqual(ips("10-88-0-9.default.pod.cluster.local"), ["10.88.0.9"]));
  test("a missing service or namespace → NXDOMAIN", () => {
    assert.equal(ask("nope.default.svc.cluster.local").rcode, "NXDOMAIN");
    assert.equal(ask("web.other.svc.cluster.local").rcode, "NXDOMAIN");
  });
  test("AAAA for a known name → no records, not NXDOMAIN", () => assert.deepEqual(ask("web.default.svc.cluster.local", "AAAA"), { rcode: "NOERROR", records: [] }));
  test("names outside the cluster domain are someone else's", () => assert.equal(ask("example.com").external, true));
});
