import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, eventually, rows, TUG } from "./harness.js";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { certificateSubject } from "../../api/pki/certificates.js";

/**
 * A node joins as kubeadm's do, with nothing of the cluster but its URL, its CA and a bootstrap token:
 * its client certificate comes from a CSR the token makes (approved because kubeadm's bindings let the
 * token's group ask), its serving certificate from a CSR the node makes once registered; pods run there
 * and the API server reaches the agent over that verified certificate.
 */
describe("tug node --token: TLS bootstrap through the CSR API", () => {
  let c: Cluster;
  let agent: ChildProcess | undefined;
  const agentDir = mkdtempSync(join(tmpdir(), "tug-join-"));
  let server = "";
  let token = "";
  let agentLog = "";

  const startAgent = (extra: string[]) => {
    agentLog = "";
    const child = spawn(process.execPath, [...TUG_NODE_FLAGS, TUG, "node", "--server", server, "--certificate-authority", join(agentDir, "ca.crt"), "--name", "joiner", "--data-dir", agentDir, ...extra], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.on("data", (d: Buffer) => (agentLog += d.toString()));
    return child;
  };
  const csrs = () => rows(c.ok(["get", "csr"])).slice(1);

  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
    // The joining machine gets the CA certificate only: no kubeconfig, no key.
    copyFileSync(join(c.dataDir, "pki", "ca.crt"), join(agentDir, "ca.crt"));
    server = /server: (\S+)/.exec(readFileSync(c.kubeconfig, "utf8"))![1]!;
  });
  after(async () => {
    if (agent && agent.exitCode === null) {
      const stopped = new Promise((r) => agent!.once("exit", r));
      agent.kill("SIGTERM");
      await stopped;
    }
    await c.stop();
    rmSync(agentDir, { recursive: true, force: true });
  });

  test("tug token create prints a bootstrap token whose Secret is kubeadm's", () => {
    const r = spawnSync(process.execPath, [TUG, "token", "create", "--kubeconfig", c.kubeconfig], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    token = r.stdout.trim();
    assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const secret = c.json<{ type: string; data: Record<string, string> }>(["get", "secret", "-n", "kube-system", `bootstrap-token-${token.slice(0, 6)}`]);
    assert.equal(secret.type, "bootstrap.kubernetes.io/token");
    const data = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    assert.equal(data["auth-extra-groups"], "system:bootstrappers:kubeadm:default-node-token");
    assert.ok(Date.parse(data.expiration!) > Date.now() + 23 * 3600_000);
  });

  test("a wrong token is refused (401) and the agent says so", () => {
    const r = spawnSync(process.execPath, [TUG, "node", "--server", server, "--certificate-authority", join(agentDir, "ca.crt"), "--token", `${token.slice(0, 6)}.0000000000000000`, "--name", "impostor", "--data-dir", join(agentDir, "bad")], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^tug: The API server refused the node's certificate request \(401 Unauthorized\): is the token right and unexpired\? tug token create makes a new one\n$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "one line, no stack");
    assert.equal(c.kubectl(["get", "node", "impostor"]).code, 1);
  });

  test("the node gets its client and serving certificates through approved, issued CSRs and turns Ready", async () => {
    agent = startAgent(["--token", token]);
    await eventually("joiner Ready", () => /joiner\s+Ready/.test(c.kubectl(["get", "nodes"]).stdout), 60_000, () => agentLog);
    await eventually("two CSRs issued", () => csrs().filter((r) => r.at(-1) === "Approved,Issued").length === 2, 30_000, () => c.ok(["get", "csr"]) + agentLog);
    const bySigner = Object.fromEntries(csrs().map((r) => [r[2], r]));
    assert.equal(bySigner["kubernetes.io/kube-apiserver-client-kubelet"]?.[3], `system:bootstrap:${token.slice(0, 6)}`);
    assert.equal(bySigner["kubernetes.io/kubelet-serving"]?.[3], "system:node:joiner");
    const pki = join(agentDir, "nodes", "joiner", "pki");
    assert.deepEqual(certificateSubject(readFileSync(join(pki, "kubelet-client-current.pem"), "utf8")), { commonName: "system:node:joiner", organizations: ["system:nodes"] });
    await eventually("serving certificate kept", () => existsSync(join(pki, "kubelet-server-current.pem")), 30_000);
  });

  test("a pod runs on the joined node; kubectl logs reaches its agent over the verified serving certificate", async () => {
    c.ok(["run", "pinned", "--image=busybox", "--overrides", JSON.stringify({ spec: { nodeSelector: { "kubernetes.io/hostname": "joiner" } } }),
      "--command", "--", "sh", "-c", "echo hello from joiner; sleep 3600"]);
    await eventually("pinned Running on joiner", () => /pinned\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+joiner/.test(c.kubectl(["get", "pod", "pinned", "-o", "wide"]).stdout), 60_000);
    await eventually("the log through the API server", () => c.kubectl(["logs", "pinned"]).stdout.includes("hello from joiner"), 30_000, () => c.kubectl(["logs", "pinned"]).stderr);
  });

  test("restarted without a token, the node reuses its certificates: Ready again, no new CSR", async () => {
    const before = csrs().length;
    const stopped = new Promise((r) => agent!.once("exit", r));
    agent!.kill("SIGTERM");
    await stopped;
    agent = startAgent([]);
    await eventually("joiner Ready", () => /joiner\s+Ready/.test(c.kubectl(["get", "nodes"]).stdout), 60_000, () => agentLog);
    await eventually("logs served again", () => c.kubectl(["logs", "pinned"]).stdout.includes("hello from joiner"), 30_000, () => agentLog);
    assert.equal(csrs().length, before);
  });
});
