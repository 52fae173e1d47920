import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "kubernetes-types/core/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { resolveName, type ClusterView } from "./records.js";

const services: Record<string, Service> = {
  "default/web": { metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.5.6", ports: [{ name: "http", port: 80 }] } },
  "default/nginx": { metadata: { name: "nginx", namespace: "default" }, spec: { clusterIP: "None", ports: [{ name: "http", port: 80 }] } },
  "default/ext": { metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.com" } },
  "default/alias": { metadata: { name: "alias", namespace: "default" }, spec: { type: "ExternalName", externalName: "web.default.svc.cluster.local" } },
  "default/alias2": { metadata: { name: "alias2", namespace: "default" }, spec: { type: "ExternalName", externalName: "alias.default.svc.cluster.local." } },
  "default/loop": { metadata: { name: "loop", namespace: "default" }, spec: { type: "ExternalName", externalName: "loop.default.svc.cluster.local" } },
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
  hasNamespace: (ns) => Object.values(services).some((s) => s.metadata!.namespace === ns),
  allServices: () => Object.values(services),
  allSlices: () => slices,
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
  test("names in the cluster domain that match nothing → NXDOMAIN, so search lists move on at once", () => {
    for (const name of ["nope.svc.cluster.local", "nope.cluster.local", "a.b.cluster.local", "x.y.default.svc.cluster.local", "nope.default.pod.cluster.local"]) {
      assert.equal(ask(name).rcode, "NXDOMAIN", name);
    }
  });
  test("the zone's own names exist without records (NODATA)", () => {
    for (const name of ["cluster.local", "svc.cluster.local", "pod.cluster.local", "default.svc.cluster.local"]) {
      assert.deepEqual(ask(name), { rcode: "NOERROR", records: [] }, name);
    }
  });
  test("ExternalName to a cluster name → the CNAME and the target's addresses", () => {
    assert.deepEqual(ask("alias.default.svc.cluster.local").records, [
      { name: "alias.default.svc.cluster.local", type: "CNAME", data: "web.default.svc.cluster.local" },
      { name: "web.default.svc.cluster.local", type: "A", data: "10.96.5.6" },
    ]);
    assert.deepEqual(ask("alias2.default.svc.cluster.local").records.map((r) => r.data), ["alias.default.svc.cluster.local.", "web.default.svc.cluster.local", "10.96.5.6"]);
  });
  test("an ExternalName that names itself ends after a bounded chain", () => assert.ok(ask("loop.default.svc.cluster.local").records.length <= 10));
  test("PTR of a cluster IP → the service's name", () => {
    assert.deepEqual(ask("6.5.96.10.in-addr.arpa", "PTR").records, [{ name: "6.5.96.10.in-addr.arpa", type: "PTR", data: "web.default.svc.cluster.local" }]);
  });
  test("PTR of an endpoint → its hostname under the service", () => assert.deepEqual(ask("3.0.88.10.in-addr.arpa.", "PTR").records.map((r) => r.data), ["web-1.nginx.default.svc.cluster.local"]));
  test("PTR of an address the cluster doesn't know is forwarded", () => assert.equal(ask("1.1.168.192.in-addr.arpa", "PTR").external, true));
});
