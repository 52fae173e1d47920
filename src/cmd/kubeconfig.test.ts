import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { adminKubeconfig, defaultKubeconfigPath, mergeKubeconfig } from "./kubeconfig.js";

const ours = adminKubeconfig("https://127.0.0.1:6443", "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n", { token: "secret-token" });

const theirs = `# my clusters
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://prod.example:6443"}
- name: tugboat
  cluster: {server: "https://old:1"}
users:
- name: alice
  user: {token: alice-token}
contexts:
- name: prod
  context: {cluster: prod, user: alice}
current-context: prod
preferences: {colors: true}
`;

interface Config {
  clusters: Array<{ name: string; cluster: { server: string; "certificate-authority-data"?: string } }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  "current-context": string;
  preferences?: unknown;
}

describe("mergeKubeconfig", () => {
  test("mergeKubeconfig adds a tugboat cluster, user and context, makes it current and keeps every other entry", () => {
    const merged = mergeKubeconfig(theirs, ours);
    const cfg = parse(merged) as Config;
    assert.equal(cfg["current-context"], "tugboat");
    assert.deepEqual(cfg.clusters.map((c) => c.name), ["prod", "tugboat"]);
    assert.deepEqual(cfg.clusters[0], { name: "prod", cluster: { server: "https://prod.example:6443" } });
    assert.equal(cfg.clusters[1]!.cluster.server, "https://127.0.0.1:6443", "the stale tugboat cluster is replaced, not duplicated");
    assert.ok(cfg.clusters[1]!.cluster["certificate-authority-data"]);
    assert.deepEqual(cfg.users, [{ name: "alice", user: { token: "alice-token" } }, { name: "tugboat", user: { token: "secret-token" } }]);
    assert.deepEqual(cfg.contexts, [
      { name: "prod", context: { cluster: "prod", user: "alice" } },
      { name: "tugboat", context: { cluster: "tugboat", user: "tugboat", namespace: "default" } },
    ]);
    assert.deepEqual(cfg.preferences, { colors: true });
    assert.match(merged, /^# my clusters/);
  });

  test("mergeKubeconfig twice is the same as once", () => {
    const once = mergeKubeconfig(theirs, ours);
    assert.equal(mergeKubeconfig(once, ours), once);
  });

  test("mergeKubeconfig of no file (or an empty one) is a kubeconfig with only tugboat", () => {
    for (const existing of [undefined, "", "\n"]) {
      const cfg = parse(mergeKubeconfig(existing, ours)) as Config & { apiVersion: string; kind: string };
      assert.deepEqual([cfg.apiVersion, cfg.kind, cfg["current-context"]], ["v1", "Config", "tugboat"]);
      assert.deepEqual([cfg.clusters.length, cfg.users.length, cfg.contexts.length], [1, 1, 1]);
    }
  });

  test("mergeKubeconfig refuses a file that is not a kubeconfig instead of overwriting it", () => {
    assert.throws(() => mergeKubeconfig("clusters: [unclosed", ours), /not a kubeconfig \(YAML\)/);
    assert.throws(() => mergeKubeconfig("- a\n- b\n", ours), /not a kubeconfig: the document is not a mapping/);
  });
});

describe("defaultKubeconfigPath", () => {
  test("defaultKubeconfigPath is $KUBECONFIG's first file, else ~/.kube/config", () => {
    assert.equal(defaultKubeconfigPath({ KUBECONFIG: "/a/config:/b/config" }, "/home/u"), "/a/config");
    assert.equal(defaultKubeconfigPath({ KUBECONFIG: "::/b/config" }, "/home/u"), "/b/config");
    assert.equal(defaultKubeconfigPath({}, "/home/u"), "/home/u/.kube/config");
    assert.equal(defaultKubeconfigPath({ KUBECONFIG: "" }, "/home/u"), "/home/u/.kube/config");
  });
});

describe("adminKubeconfig", () => {
  test("adminKubeconfig with a client certificate writes client-certificate-data and client-key-data", () => {
    const cfg = parse(adminKubeconfig("https://h:1", "CA", { clientCertificate: "CERT", clientKey: "KEY" })) as Config & { users: Array<{ name: string; user: Record<string, string> }> };
    assert.deepEqual(cfg.users, [{ name: "admin", user: { "client-certificate-data": Buffer.from("CERT").toString("base64"), "client-key-data": Buffer.from("KEY").toString("base64") } }]);
  });
});
