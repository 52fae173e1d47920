import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TUG_NODE_FLAGS } from "../node-flags.js";
import { TUG } from "./harness.js";

/** Runs `tug args…` to its exit (without blocking the loop: the test's own listener must keep its port). */
function tug(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TUG_NODE_FLAGS, TUG, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("tug up with a port already taken: one clear line, nothing started", () => {
  let taken: Server;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), "tug-ports-"));
  before(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    port = (taken.address() as AddressInfo).port;
  });
  after(() => {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = [
    { name: "the controller manager's metrics port", flag: "--controller-manager-port", args: () => ["--port", "0", "--controller-manager-port", String(port)] },
    { name: "the API server's port", flag: "--port", args: () => ["--port", String(port), "--controller-manager-port", "0"] },
  ];
  for (const c of cases) {
    test(`tug up exits non-zero naming ${c.name} and ${c.flag}, before it says it is up or starts a node`, async () => {
      const r = await tug(["up", "--data-dir", dir, "--runtime", "process", ...c.args()]);
      assert.notEqual(r.code, 0);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^tug: port ${port} on 127\\.0\\.0\\.1 is already in use.*\\(choose another port with ${c.flag}\\)$`));
      assert.doesNotMatch(r.stderr, /Tugboat is up|kubelet|\n\s+at /);
    });
  }
});

describe("tug's node IPAM, logging and container runtime flags are checked before anything starts", () => {
  const cases = [
    { name: "tug up --cluster-cidr that is no CIDR", args: ["up", "--cluster-cidr", "10.88.0.0"], want: /^tug: --cluster-cidr \/ --node-cidr-mask-size: invalid cluster CIDR "10\.88\.0\.0"/ },
    { name: "tug up --node-cidr-mask-size shorter than the cluster's", args: ["up", "--node-cidr-mask-size", "8"], want: /^tug: --cluster-cidr \/ --node-cidr-mask-size: invalid node CIDR mask size 8/ },
    { name: "tug up --allocate-node-cidrs that is no boolean", args: ["up", "--allocate-node-cidrs", "yes"], want: /^tug: --allocate-node-cidrs needs true or false, got "yes"/ },
    { name: "tug controller-manager --allocate-node-cidrs true without --cluster-cidr", args: ["controller-manager", "--kubeconfig", "/nonexistent", "--allocate-node-cidrs", "true"], want: /^tug: --allocate-node-cidrs true needs --cluster-cidr/ },
    { name: "tug up --logging-format that is neither text nor json", args: ["up", "--logging-format", "xml"], want: /^tug: --logging-format needs text or json, got "xml"/ },
    { name: "tug node --server that is no URL", args: ["node", "--kubeconfig", "/nonexistent", "--server", "https://a:6443,b:6443"], want: /^tug: --server needs https:\/\/ URLs separated by commas, got "b:6443"/ },
    { name: "tug apiserver --endpoint-reconciler-type master-count", args: ["apiserver", "--endpoint-reconciler-type", "master-count"], want: /^tug: --endpoint-reconciler-type needs lease or none, got "master-count"/ },
    { name: "tug scheduler without --kubeconfig", args: ["scheduler"], want: /^tug: tug scheduler needs --kubeconfig/ },
    { name: "tug scheduler --leader-elect-renew-deadline not below the lease duration", args: ["scheduler", "--kubeconfig", "/nonexistent", "--leader-elect-renew-deadline", "15s"], want: /^tug: leader election: leaseDuration must be greater than renewDeadline/ },
    { name: "tug controller-manager --leader-elect-retry-period too long for the renew deadline", args: ["controller-manager", "--kubeconfig", "/nonexistent", "--leader-elect-retry-period", "9s"], want: /^tug: leader election: renewDeadline must be greater than retryPeriod\*JitterFactor/ },
    { name: "tug controller-manager --leader-elect-resource-lock other than leases", args: ["controller-manager", "--kubeconfig", "/nonexistent", "--leader-elect-resource-lock", "endpoints"], want: /^tug: --leader-elect-resource-lock: only "leases" is supported/ },
    { name: "tug apiserver --service-cluster-ip-range that is no CIDR", args: ["apiserver", "--service-cluster-ip-range", "10.96.0.0"], want: /^tug: invalid --service-cluster-ip-range "10\.96\.0\.0"/ },
    { name: "tug up --container-runtime-endpoint without --runtime containerd", args: ["up", "--container-runtime-endpoint", "unix:///run/c.sock"], want: /^tug: --container-runtime-endpoint and --registry-mirrors go with --runtime containerd/ },
    { name: "tug node --container-runtime-endpoint that is no unix socket URL", args: ["node", "--kubeconfig", "/nonexistent", "--runtime", "containerd", "--container-runtime-endpoint", "/run/c.sock"], want: /^tug: --container-runtime-endpoint needs a unix socket URL/ },
    { name: "tug node --token with --runtime simulated", args: ["node", "--server", "https://127.0.0.1:6443", "--certificate-authority", "/nonexistent", "--token", "abcdef.0123456789abcdef", "--runtime", "simulated"], want: /^tug: tug node joins with its own certificates \(--token, --certificate-authority\) only with --runtime process or containerd/ },
    { name: "tug up --registry-mirrors without an endpoint URL", args: ["up", "--runtime", "containerd", "--registry-mirrors", "docker.io"], want: /^tug: --registry-mirrors needs host=http\(s\):\/\/endpoint items, got "docker.io"/ },
  ];
  for (const c of cases) {
    test(`${c.name} is a usage error (exit 2)`, () => {
      const r = spawnSync(process.execPath, [TUG, ...c.args], { encoding: "utf8" });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, c.want);
    });
  }
});

describe("tug --help and --version", () => {
  test("tug up --help prints up's usage and exits 0", () => {
    const r = spawnSync(process.execPath, [TUG, "up", "--help"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: tug up \[flags\]/);
    assert.match(r.stdout, /--data-dir DIR/);
    assert.match(r.stdout, /--controller-manager-port N/);
  });

  test("tug <command> --help prints that command's usage for every command", () => {
    for (const [command, flag] of [["node", "--name NAME"], ["controller-manager", "--leader-elect-renew-deadline D"], ["scheduler", "--leader-elect-lease-duration D"], ["apiserver", "--secure-port N"]] as const) {
      const r = spawnSync(process.execPath, [TUG, command, "-h"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`Usage: tug ${command} [flags]`) && r.stdout.includes(flag), r.stdout);
    }
  });

  test("tug --version prints package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version: string };
    const r = spawnSync(process.execPath, [TUG, "--version"], { encoding: "utf8" });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `tug version ${pkg.version}\n`);
  });
});

describe("tug up --runtime containerd with a runtime it can't use", () => {
  test("a CRI socket nobody serves is one error line naming it, not a stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tug-cri-unreachable-"));
    try {
      const r = await tug(["up", "--data-dir", dir, "--port", "0", "--controller-manager-port", "0", "--runtime", "containerd", "--container-runtime-endpoint", "unix:///nonexistent/containerd.sock"]);
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("{"));
      assert.equal(lines.length, 1, r.stderr);
      // As root: the socket is dialled; otherwise the runtime's own precondition is the one line.
      assert.match(lines[0]!, /^tug: (cannot reach the container runtime at unix:\/\/\/nonexistent\/containerd\.sock: connect ENOENT|--runtime containerd needs root)/);
      assert.doesNotMatch(r.stderr, /Tugboat is up|\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
