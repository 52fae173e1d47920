import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { Cluster, eventually, KUBECTL } from "./harness.js";

interface PodJson {
  status: { containerStatuses?: Array<{ state: { terminated?: { exitCode: number; reason: string } } }> };
}

describe("README's first run: npx tug up --data-dir .tug (a relative data dir)", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "process"], { relativeDataDir: true });
  });
  after(() => c.stop());

  test("tug up --data-dir .tug: a busybox pod runs and reports its real exit code", async () => {
    assert.ok(isAbsolute(c.dataDir));
    c.ok(["run", "once", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo hello; exit 3"]);
    const terminated = () => c.json<PodJson>(["get", "pod", "once"]).status.containerStatuses?.[0]?.state.terminated;
    await eventually("once terminated", () => terminated() !== undefined, 30_000);
    assert.deepEqual({ exitCode: terminated()!.exitCode, reason: terminated()!.reason }, { exitCode: 3, reason: "Error" });
    assert.equal(c.ok(["logs", "once"]), "hello\n");
  });

  test("tug up ends start-up telling its user to export KUBECONFIG=<the absolute path>", async () => {
    await eventually("the closing words", () => c.output.includes("export KUBECONFIG="));
    assert.match(c.output, new RegExp(`^Tugboat is up at https://127\\.0\\.0\\.1:\\d+\\. To reach it with kubectl:\\n\\n  export KUBECONFIG=${join(c.dataDir, "kubeconfig").replace(/\./g, "\\.")}\\n  kubectl get nodes\\n$`));
  });

  test("tug up's stderr, a pipe, is one JSON object a line: level, time, component, msg", () => {
    const entries = c.logEntries();
    assert.equal(entries.length, c.log.trim().split("\n").length, "every line is JSON");
    for (const e of entries) {
      assert.match(String(e.level), /^(debug|info|warn|error)$/);
      assert.ok(!Number.isNaN(Date.parse(String(e.time))));
      assert.equal(typeof e.component, "string");
      assert.equal(typeof e.msg, "string");
    }
    const up = entries.find((e) => e.msg === "Tugboat is up");
    assert.equal(up?.component, "tug");
    assert.equal(up?.kubeconfig, join(c.dataDir, "kubeconfig"));
    const components = new Set(entries.map((e) => e.component));
    for (const name of ["tug", "controller-manager", "kubelet"]) assert.ok(components.has(name), `${name} logs: ${[...components].join(", ")}`);
  });
});

describe("tug up --logging-format text", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated", "--logging-format", "text"]);
  });
  after(() => c.stop());

  test("tug up --logging-format text writes human-readable lines: time, level, component, message", async () => {
    await eventually("Tugboat is up", () => c.log.includes("Tugboat is up"));
    const up = c.log.split("\n").find((line) => line.includes("Tugboat is up"))!;
    assert.match(up, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: tug: Tugboat is up \{"server":"https:\/\/127\.0\.0\.1:\d+",/);
    assert.ok(!c.log.split("\n").some((line) => line.startsWith("{")), "no JSON lines");
  });
});

describe("tug up --write-kubeconfig-context", () => {
  const home = mkdtempSync(join(tmpdir(), "tug-kubeconfig-"));
  const file = join(home, "config");
  const others = {
    apiVersion: "v1", kind: "Config",
    clusters: [{ name: "prod", cluster: { server: "https://prod.example:6443" } }],
    users: [{ name: "alice", user: { token: "alice-token" } }],
    contexts: [{ name: "prod", context: { cluster: "prod", user: "alice", namespace: "shop" } }, { name: "staging", context: { cluster: "prod", user: "alice" } }],
    "current-context": "prod",
  };
  let c: Cluster;
  before(async () => {
    writeFileSync(file, JSON.stringify(others), { mode: 0o644 });
    c = await Cluster.start(["--runtime", "simulated", "--write-kubeconfig-context"], { env: { KUBECONFIG: `${file}:${join(home, "second")}` } });
    await eventually("the closing words", () => c.output.includes("kubectl get nodes"));
  });
  after(async () => {
    await c.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test("tug up --write-kubeconfig-context merges a current tugboat context into $KUBECONFIG's first file, other contexts untouched, mode 0600", () => {
    const cfg = parse(readFileSync(file, "utf8")) as typeof others & { clusters: Array<{ name: string }>; users: Array<{ name: string }>; contexts: Array<{ name: string }> };
    assert.equal(cfg["current-context"], "tugboat");
    assert.deepEqual(cfg.clusters.filter((x) => x.name !== "tugboat"), others.clusters);
    assert.deepEqual(cfg.users.filter((x) => x.name !== "tugboat"), others.users);
    assert.deepEqual(cfg.contexts.filter((x) => x.name !== "tugboat"), others.contexts);
    assert.deepEqual(cfg.contexts.find((x) => x.name === "tugboat"), { name: "tugboat", context: { cluster: "tugboat", user: "tugboat", namespace: "default" } });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(c.output, new RegExp(`The "tugboat" context is now current in ${file.replace(/\./g, "\\.")}`));
    const r = spawnSync(KUBECTL, ["get", "namespaces", "-o", "name"], { encoding: "utf8", env: { ...process.env, KUBECONFIG: `${file}:${join(home, "second")}` } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /namespace\/kube-system/);
  });
});
