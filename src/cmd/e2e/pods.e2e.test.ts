import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canIsolate, Cluster, eventually } from "./harness.js";

interface PodJson {
  status: {
    phase: string;
    podIP?: string;
    reason?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      name: string; ready: boolean; restartCount: number; image: string;
      state: { waiting?: { reason: string; message?: string }; running?: object; terminated?: { exitCode: number; reason: string; message?: string } };
      lastState: { terminated?: { exitCode: number } };
    }>;
  };
}

async function http(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** Retries `fn` for up to 5 s (a server that has just started may not listen yet). */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("tug up --runtime process: pods run as real processes", () => {
  let c: Cluster;
  const pod = (name: string) => c.json<PodJson>(["get", "pod", name]);
  const container = (name: string, i = 0) => pod(name).status.containerStatuses?.[i];
  const ready = (name: string) => pod(name).status.conditions?.find((x) => x.type === "Ready")?.status;

  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
    await eventually("the node Ready", () => /tug-node-1\s+Ready/.test(c.kubectl(["get", "nodes"]).stdout));
  });
  after(async () => {
    await c.stop();
  });

  test("restart policies: Completed, Error with the real exit code, OnFailure and CrashLoopBackOff restarts", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: ["sh", "-c", "echo finished"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: failed}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: ["sh", "-c", "exit 3"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: onfailure}
spec:
  restartPolicy: OnFailure
  containers: [{name: c, image: busybox, command: ["sh", "-c", "exit 1"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers: [{name: c, image: busybox, command: ["sh", "-c", "echo attempt; exit 2"]}]
`);
    await eventually("done Succeeded", () => pod("done").status.phase === "Succeeded");
    assert.equal(container("done")?.state.terminated?.reason, "Completed");
    assert.match(c.ok(["get", "pod", "done"]), /done\s+0\/1\s+Completed\s+0/);
    assert.equal(c.ok(["logs", "done"]), "finished\n");

    await eventually("failed Failed", () => pod("failed").status.phase === "Failed");
    assert.deepEqual([container("failed")?.state.terminated?.exitCode, container("failed")?.state.terminated?.reason], [3, "Error"]);

    await eventually("crash in CrashLoopBackOff", () => container("crash")?.state.waiting?.reason === "CrashLoopBackOff", 20_000);
    const crash = container("crash")!;
    assert.ok(crash.restartCount >= 1);
    assert.equal(crash.lastState.terminated?.exitCode, 2);
    assert.match(crash.state.waiting?.message ?? "", /^back-off 10s restarting failed container=c pod=crash_default\(/);
    assert.equal(pod("crash").status.phase, "Running");
    assert.equal(c.ok(["logs", "crash", "--previous"]), "attempt\n");

    await eventually("onfailure restarted", () => (container("onfailure")?.restartCount ?? 0) >= 1, 20_000);
    assert.equal(pod("onfailure").status.phase, "Running");
  });

  test("bad images and commands: ErrImagePull/ImagePullBackOff and StartError, never a crash", async () => {
    c.ok(["run", "noimage", "--image=nosuch/image:1"]);
    c.ok(["run", "nocommand", "--image=busybox", "--restart=Never", "--command", "--", "frobnicate"]);
    await eventually("noimage backing off", () => ["ErrImagePull", "ImagePullBackOff"].includes(container("noimage")?.state.waiting?.reason ?? ""));
    await eventually("nocommand Failed", () => pod("nocommand").status.phase === "Failed");
    const t = container("nocommand")?.state.terminated;
    assert.deepEqual([t?.exitCode, t?.reason], [128, "StartError"]);
    assert.match(t?.message ?? "", /exec: "frobnicate": executable file not found in \$PATH/);
    assert.match(c.ok(["describe", "pod", "noimage"]), /Failed to pull image "nosuch\/image:1"/);
  });

  test("readiness gates a real HTTP server; a failing liveness probe restarts it", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  containers:
  - name: demo
    image: ikubernetes/demoapp:v1.0
    readinessProbe: {httpGet: {path: /readyz, port: 80}, periodSeconds: 1, failureThreshold: 1}
    livenessProbe: {httpGet: {path: /livez, port: 80}, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2}
`);
    await eventually("probed Ready", () => ready("probed") === "True", 15_000);
    const ip = pod("probed").status.podIP!;
    const base = canIsolate() ? `http://${ip}:80` : "http://127.0.0.1:80";
    assert.match((await http(`${base}/`)).body, /^iKubernetes demoapp v1\.0 !! ClientIP: .*, ServerName: probed, ServerIP: /);
    await http(`${base}/readyz`, { method: "POST", body: "readyz=FAIL" });
    await eventually("probed not Ready", () => ready("probed") === "False");
    assert.equal(container("probed")?.ready, false);
    assert.match(c.ok(["describe", "pod", "probed"]), /Readiness probe failed: HTTP probe failed with statuscode: 503/);
    await http(`${base}/readyz`, { method: "POST", body: "readyz=OK" });
    await eventually("probed Ready again", () => ready("probed") === "True");

    await http(`${base}/livez`, { method: "POST", body: "livez=FAIL" });
    const describe = () => `${c.ok(["describe", "pod", "probed"])}\n${c.log.split("\n").filter((l) => l.includes("probed")).slice(-20).join("\n")}`;
    await eventually("probed restarted", () => container("probed")?.restartCount === 1, 30_000, describe);
    assert.match(c.ok(["describe", "pod", "probed"]), /Container demo failed liveness probe, will be restarted/);
    await eventually("probed Ready after the restart", () => ready("probed") === "True", 30_000, describe);
  });

  test("deletion runs preStop, then SIGTERM, then SIGKILL at the end of the grace period", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tug-prestop-"));
    const trace = join(dir, "trace");
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 3
  volumes: [{name: trace, hostPath: {path: ${dir}}}]
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "trap 'read up idle < /proc/uptime; echo term $up >> ${trace}' TERM; echo started > ${trace}; while true; do sleep 0.1; done"]
    volumeMounts: [{name: trace, mountPath: ${dir}}]
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "read up idle < /proc/uptime; echo prestop $up >> ${trace}; sleep 1"]}
`);
    await eventually("stubborn Running", () => container("stubborn")?.state.running !== undefined, 15_000);
    const began = Date.now();
    c.ok(["delete", "pod", "stubborn", "--wait=true"]);
    const took = Date.now() - began;
    const lines = readFileSync(trace, "utf8").trim().split("\n");
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["started", "prestop", "term"]);
    // Seconds since boot, to the hundredth (busybox's date has no %N).
    const [prestopAt, termAt] = [Number(lines[1]!.split(" ")[1]) * 1000, Number(lines[2]!.split(" ")[1]) * 1000];
    assert.ok(termAt - prestopAt >= 900, `SIGTERM ${termAt - prestopAt} ms after preStop began (hook sleeps 1 s): ${lines.join(" | ")}`);
    assert.ok(took >= 2900 && took < 6000, `deleted after ${took} ms; the grace period is 3 s`);
  });

  test("containers of a pod share localhost and volumes; downward-API env; set image restarts the container", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: chesterapi}
spec:
  volumes: [{name: shared, emptyDir: {}}]
  containers:
  - name: oneapi
    image: registry.cn-beijing.aliyuncs.com/chester-k8s/oneapi:latest
    env: [{name: MY_POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}, {name: GREETING, value: "hi $(MY_POD)"}]
    volumeMounts: [{name: shared, mountPath: /shared}]
  - name: twoapi
    image: registry.cn-beijing.aliyuncs.com/chester-k8s/twoapi:latest
    livenessProbe: {httpGet: {path: /test/calloneapi, port: 5001}}
  - name: side
    image: busybox
    command: ["sh", "-c", "echo $GREETING from $(hostname) > /shared/hello; sleep 3600"]
    env: [{name: GREETING, value: "hello"}]
    volumeMounts: [{name: shared, mountPath: /shared}]
`);
    await eventually("chesterapi Ready", () => ready("chesterapi") === "True", 15_000);
    const uid = c.ok(["get", "pod", "chesterapi", "-o", "jsonpath={.metadata.uid}"]);
    const hello = join(c.dataDir, "nodes", "tug-node-1", "pods", uid, "volumes", "empty-dir", "shared", "hello");
    await eventually("the side container's file", () => existsSync(hello));
    assert.equal(readFileSync(hello, "utf8"), canIsolate() ? "hello from chesterapi\n" : readFileSync(hello, "utf8"));
    if (canIsolate()) {
      const ip = pod("chesterapi").status.podIP!;
      // Ready without a readiness probe means started, not yet listening (as upstream): the first call may be refused.
      assert.equal(await retry(() => http(`http://${ip}:5001/test/calloneapi`).then((r) => r.body)), "one api response is oneapi latest on chesterapi");
      const pid = c.ok(["get", "pod", "chesterapi", "-o", "jsonpath={.status.containerStatuses[0].containerID}"]);
      assert.match(pid, /^process:\/\//);
    }
    c.ok(["set", "image", "pod/chesterapi", "oneapi=registry.cn-beijing.aliyuncs.com/chester-k8s/oneapi:v2"]);
    await eventually("oneapi restarted with v2", () => {
      const s = pod("chesterapi").status.containerStatuses?.find((x) => x.name === "oneapi");
      return s?.image.endsWith("oneapi:v2") === true && s.restartCount === 1 && s.state.running !== undefined;
    }, 15_000);
    if (canIsolate()) {
      const ip = pod("chesterapi").status.podIP!;
      assert.equal(await retry(() => http(`http://${ip}:5000/test`).then((r) => r.body)), "oneapi v2 on chesterapi");
    }
  });

  test("activeDeadlineSeconds fails the pod with DeadlineExceeded", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 2
  containers: [{name: c, image: busybox, command: ["sleep", "3600"]}]
`);
    await eventually("deadline Failed", () => pod("deadline").status.phase === "Failed", 15_000);
    assert.equal(pod("deadline").status.reason, "DeadlineExceeded");
  });

  test("two pods bind the same port, each on its own IP with its own hostname", { skip: !canIsolate() && "needs root for pod network namespaces" }, async () => {
    c.ok(["run", "same-a", "--image=ikubernetes/myapp:v1"]);
    c.ok(["run", "same-b", "--image=ikubernetes/myapp:v2"]);
    await eventually("both Ready", () => ready("same-a") === "True" && ready("same-b") === "True", 15_000);
    const [a, b] = [pod("same-a").status.podIP!, pod("same-b").status.podIP!];
    assert.notEqual(a, b);
    assert.match((await http(`http://${a}/`)).body, /Version: v1/);
    assert.match((await http(`http://${b}/`)).body, /Version: v2/);
    assert.equal((await http(`http://${b}/hostname.html`)).body, "same-b\n");
  });

  test("logs: --tail, --timestamps, -c and the error for a multi-container pod", () => {
    c.ok(["run", "talker", "--image=busybox", "--restart=Never", "--command", "--", "sh", "-c", "for i in 1 2 3; do echo line $i; done"]);
    return eventually("talker Succeeded", () => pod("talker").status.phase === "Succeeded", 15_000).then(() => {
      assert.equal(c.ok(["logs", "talker", "--tail=2"]), "line 2\nline 3\n");
      assert.match(c.ok(["logs", "talker", "--timestamps"]).split("\n")[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line 1$/);
      const multi = c.kubectl(["get", "--raw", "/api/v1/namespaces/default/pods/chesterapi/log"]);
      assert.notEqual(multi.code, 0);
      assert.match(multi.stderr, /a container name must be specified for pod chesterapi, choose one of: \[oneapi twoapi side\]/);
      assert.match(c.ok(["logs", "chesterapi", "-c", "oneapi"]), /listening on port 5000/);
    });
  });
});
