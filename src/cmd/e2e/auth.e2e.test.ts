import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { parse, stringify } from "yaml";
import { certificateSubject, createCertificateRequest } from "../../api/pki/certificates.js";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { Cluster, eventually, KUBECTL, TUG } from "./harness.js";

interface Whoami {
  status: { userInfo: { username: string; groups?: string[] } };
}

describe("who is asking: the admin's client certificate, the static token, anonymous, --as", () => {
  let c: Cluster;
  const scratch = mkdtempSync(join(tmpdir(), "tug-auth-e2e-"));
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** kubectl with a kubeconfig of the cluster's server and CA and `user` as its credentials. */
  function kubectlAs(name: string, user: Record<string, unknown>, args: string[]) {
    const own = parse(readFileSync(c.kubeconfig, "utf8")) as { clusters: unknown[] };
    const file = join(scratch, name);
    writeFileSync(file, stringify({
      apiVersion: "v1", kind: "Config", clusters: own.clusters, users: [{ name: "u", user }],
      contexts: [{ name: "x", context: { cluster: "tugboat", user: "u" } }], "current-context": "x",
    }));
    const r = spawnSync(KUBECTL, ["--kubeconfig", file, ...args], { encoding: "utf8", timeout: 30_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  test("tug up's kubeconfig authenticates with a client certificate: kubectl auth whoami is kubernetes-admin in system:masters", () => {
    const user = (parse(readFileSync(c.kubeconfig, "utf8")) as { users: Array<{ user: Record<string, string> }> }).users[0]!.user;
    assert.deepEqual(Object.keys(user).sort(), ["client-certificate-data", "client-key-data"]);
    const me = c.json<Whoami>(["auth", "whoami"]);
    assert.deepEqual(me.status.userInfo, { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] });
    assert.match(c.ok(["auth", "whoami"]), /Username\s+kubernetes-admin/);
    assert.equal(statSync(join(c.dataDir, "pki", "ca.key")).mode & 0o777, 0o600);
  });

  test("kubectl auth whoami --as / --as-group: the impersonated user", () => {
    const me = c.json<Whoami>(["auth", "whoami", "--as", "alice", "--as-group", "dev"]);
    assert.deepEqual(me.status.userInfo, { username: "alice", groups: ["dev", "system:authenticated"] });
    const sa = c.json<Whoami>(["auth", "whoami", "--as", "system:serviceaccount:default:builder"]);
    assert.deepEqual(sa.status.userInfo.groups, ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]);
  });

  test("the static token still authenticates (as admin, system:masters)", () => {
    const token = readFileSync(join(c.dataDir, "pki", "admin.token"), "utf8").trim();
    const r = kubectlAs("token", { token }, ["auth", "whoami", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as Whoami).status.userInfo, { username: "admin", groups: ["system:masters", "system:authenticated"] });
    assert.equal(kubectlAs("token", { token }, ["get", "namespaces"]).code, 0);
  });

  test("without credentials only health and version answer; a wrong token is 401 everywhere", async () => {
    // (kubectl itself asks for a user name and password when a server answers 401 to no credentials.)
    const own = parse(readFileSync(c.kubeconfig, "utf8")) as { clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }> };
    const { server, "certificate-authority-data": ca } = own.clusters[0]!.cluster;
    const dispatcher = new Agent({ connect: { ca: Buffer.from(ca, "base64").toString() } });
    const status = async (path: string) => (await request(new URL(path, server), { dispatcher }).then(async (r) => (await r.body.text(), r.statusCode)));
    for (const path of ["/readyz", "/healthz", "/livez", "/version"]) assert.equal(await status(path), 200, path);
    for (const path of ["/api", "/api/v1/namespaces", "/openapi/v2"]) assert.equal(await status(path), 401, path);
    await dispatcher.close();
    const wrong = kubectlAs("wrong", { token: "not-the-token" }, ["get", "--raw", "/healthz"]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Unauthorized/);
  });

  test("tug kubeconfig --user alice --group dev: a CSR approved as the admin, signed by the controller manager, a kubeconfig that is alice", () => {
    const out = join(scratch, "alice.kubeconfig");
    const r = spawnSync(process.execPath, [...TUG_NODE_FLAGS, TUG, "kubeconfig", "--user", "alice", "--group", "dev", "--group", "qa", "--data-dir", c.dataDir, "--out", out], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const me = spawnSync(KUBECTL, ["--kubeconfig", out, "auth", "whoami", "-o", "json"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(me.status, 0, me.stderr);
    assert.deepEqual((JSON.parse(me.stdout) as Whoami).status.userInfo, { username: "alice", groups: ["dev", "qa", "system:authenticated"] });
    const csrs = c.ok(["get", "csr"]);
    assert.match(csrs, /tug-alice-\w+\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+<none>\s+Approved,Issued/);
  });

  test("alice's kubeconfig from tug kubeconfig, bound to edit in one namespace: can-i and her requests say yes there and 403 elsewhere", () => {
    const out = join(scratch, "alice.kubeconfig");
    const alice = (args: string[]) => spawnSync(KUBECTL, ["--kubeconfig", out, ...args], { encoding: "utf8", timeout: 30_000 });
    c.ok(["create", "namespace", "alice-ns"]);
    c.ok(["create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice", "-n", "alice-ns"]);
    assert.equal(alice(["auth", "can-i", "create", "deployments", "-n", "alice-ns"]).stdout.trim(), "yes");
    const no = alice(["auth", "can-i", "create", "deployments", "-n", "default"]);
    assert.equal(no.stdout.trim(), "no");
    assert.equal(no.status, 1);
    assert.equal(alice(["create", "configmap", "mine", "-n", "alice-ns", "--from-literal=a=b"]).status, 0);
    assert.match(alice(["get", "configmaps", "-n", "alice-ns"]).stdout, /^mine\s/m);
    const denied = alice(["get", "pods", "-n", "default"]);
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"/);
    const secrets = alice(["get", "secrets", "-A"]);
    assert.match(secrets.stderr, /secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" at the cluster scope/);
    // The admin asks on her behalf: can-i --as, and --list.
    assert.equal(c.kubectl(["auth", "can-i", "delete", "pods", "-n", "alice-ns", "--as=alice"]).stdout.trim(), "yes");
    assert.equal(c.kubectl(["auth", "can-i", "delete", "pods", "-n", "default", "--as=alice"]).stdout.trim(), "no");
    assert.match(c.ok(["auth", "can-i", "--list", "-n", "alice-ns", "--as=alice"]), /^deployments\.apps\s+\[\]\s+\[\]\s+\[.*create.*\]/m);
  });

  test("kubectl certificate approve: the signer issues the certificate of a CSR created with kubectl", async () => {
    const { csr } = await createCertificateRequest("bob", ["ops"]);
    c.ok(["create", "-f", "-"], JSON.stringify({
      apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name: "bob" },
      spec: { request: Buffer.from(csr).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], expirationSeconds: 86400 },
    }));
    assert.match(c.ok(["get", "csr", "bob"]), /bob\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+24h\s+Pending/);
    assert.match(c.ok(["certificate", "approve", "bob"]), /certificatesigningrequest.certificates.k8s.io\/bob approved/);
    await eventually("bob's certificate", () => c.ok(["get", "csr", "bob", "-o", "jsonpath={.status.certificate}"]) !== "", 20_000);
    const cert = Buffer.from(c.ok(["get", "csr", "bob", "-o", "jsonpath={.status.certificate}"]), "base64").toString();
    assert.deepEqual(certificateSubject(cert), { commonName: "bob", organizations: ["ops"] });
    const denied = c.kubectl(["certificate", "deny", "bob"]);
    assert.notEqual(denied.code, 0, "an approved CSR can't be denied too");
  });

  test("a data dir from before the CA key was kept gets a new CA on restart, logged once, and a kubeconfig that works", async () => {
    const oldCA = readFileSync(join(c.dataDir, "pki", "ca.crt"), "utf8");
    unlinkSync(join(c.dataDir, "pki", "ca.key"));
    await c.restart();
    await eventually("the API server", () => c.kubectl(["get", "--raw", "/readyz"]).stdout === "ok", 30_000);
    assert.notEqual(readFileSync(join(c.dataDir, "pki", "ca.crt"), "utf8"), oldCA);
    assert.equal(c.logEntries().filter((e) => /no usable private key/.test(String(e.msg))).length, 1);
    assert.equal(c.json<Whoami>(["auth", "whoami"]).status.userInfo.username, "kubernetes-admin");
  });
});

describe("a malformed kubeconfig is one clear line, not a crash", () => {
  const dir = mkdtempSync(join(tmpdir(), "tug-bad-kubeconfig-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("tug controller-manager --kubeconfig <not YAML> says so on one line and exits 1", () => {
    writeFileSync(join(dir, "bad"), "clusters: [unclosed");
    const r = spawnSync(process.execPath, [...TUG_NODE_FLAGS, TUG, "controller-manager", "--kubeconfig", join(dir, "bad"), "--port", "0"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^tug: kubeconfig ".*bad" is not valid YAML: .*\n$/);
  });

  test("tug node --kubeconfig <a missing context> says so on one line and exits 1", () => {
    writeFileSync(join(dir, "nocontext"), stringify({ apiVersion: "v1", kind: "Config", "current-context": "gone", clusters: [], users: [], contexts: [] }));
    const r = spawnSync(process.execPath, [...TUG_NODE_FLAGS, TUG, "node", "--kubeconfig", join(dir, "nocontext"), "--runtime", "simulated", "--data-dir", dir], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^tug: kubeconfig .*: context "gone" does not exist\n$/);
  });
});
