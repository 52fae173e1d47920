import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { hostNetworkHostsFile, parseResolvConf, podHostsFile, podResolvConf } from "./dns-files.js";

const cluster = { nameserver: "10.96.0.10", domain: "cluster.local" };
const host = parseResolvConf("nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n");
const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "web-0", namespace: "shop" }, spec: { containers: [], ...spec } });

describe("podResolvConf", () => {
  test("ClusterFirst: the cluster DNS, the namespace's search path, then the host's searches; ndots:5", () => {
    assert.equal(podResolvConf(pod(), cluster, host), "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n");
  });
  test("Default, and ClusterFirst on the host network, see the host's file", () => {
    assert.equal(podResolvConf(pod({ dnsPolicy: "Default" }), cluster, host), undefined);
    assert.equal(podResolvConf(pod({ hostNetwork: true }), cluster, host), undefined);
  });
  test("None takes dnsConfig only; dnsConfig options override by name", () => {
    const conf = podResolvConf(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["a.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } }), cluster, host);
    assert.equal(conf, "search a.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n");
    const merged = podResolvConf(pod({ dnsConfig: { options: [{ name: "ndots", value: "1" }] } }), cluster, host);
    assert.match(merged!, /options ndots:1\n$/);
  });
});

describe("podHostsFile", () => {
  test("the pod's IP and name; with a subdomain, its FQDN first; hostAliases after", () => {
    const text = podHostsFile(pod({ hostname: "web-0", subdomain: "nginx", hostAliases: [{ ip: "10.1.2.3", hostnames: ["foo", "bar"] }] }), "10.88.0.2", "cluster.local");
    assert.match(text, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    assert.match(text, /\n10\.88\.0\.2\tweb-0\.nginx\.shop\.svc\.cluster\.local\tweb-0\n/);
    assert.match(text, /# Entries added by HostAliases\.\n10\.1\.2\.3\tfoo\tbar\n$/);
  });
});

describe("hostNetworkHostsFile", () => {
  test("the node's file under the host-network header (not the pod's), then hostAliases", () => {
    const text = hostNetworkHostsFile(pod({ hostNetwork: true, hostAliases: [{ ip: "10.1.2.3", hostnames: ["foo"] }] }), "127.0.0.1\tlocalhost\n10.0.0.5\tnode-1\n");
    assert.equal(text, "# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n10.0.0.5\tnode-1\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo\n");
    assert.ok(!text.includes("# Kubernetes-managed hosts file."), "KubeletManagedEtcHosts tells the two apart by this line");
  });
});
