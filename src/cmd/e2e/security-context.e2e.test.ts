import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { canIsolate, Cluster, eventually } from "./harness.js";

/**
 * Issue 21's container isolation on the process runtime, through real kubectl: securityContext (user,
 * groups, no_new_privs, capabilities, read-only root), a private /tmp per container, memory emptyDirs,
 * subPathExpr, and the kubelet-managed /etc/hosts. Needs root and CNI (the runtime isolates only then).
 */

interface PodJson {
  status: { phase?: string; containerStatuses?: Array<{ state: { waiting?: { reason: string; message?: string } } }> };
}

describe("tug up --runtime process: containers run as their securityContext says, each with a private /tmp", { skip: !canIsolate() && "needs root and /usr/lib/cni" }, () => {
  let c: Cluster;
  const phase = (name: string) => c.json<PodJson>(["get", "pod", name]).status.phase;

  /** Creates a busybox pod running `script` (restartPolicy Never) and returns its log once it has ended. */
  async function run(name: string, script: string, spec = "", container = ""): Promise<string> {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
${spec}
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", ${JSON.stringify(script)}]
${container}`);
    await eventually(`${name} to end`, () => ["Succeeded", "Failed"].includes(phase(name) ?? ""), 60_000);
    return c.ok(["logs", name]);
  }

  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
    await eventually("the node Ready", () => /tug-node-1\s+Ready/.test(c.kubectl(["get", "nodes"]).stdout), 60_000);
  });
  after(async () => {
    await c.stop();
  });

  test("runAsUser, runAsGroup, supplementalGroups and fsGroup; no_new_privs; runc's default capabilities; a read-only /", async () => {
    const marker = `/tugboat-ro-check-${process.pid}`;
    const logs = await run("secure", [
      "echo uid=$(id -u) gid=$(id -g) groups=$(id -G)", "grep NoNewPrivs /proc/self/status", "ip link add tugdummy0 type dummy 2>&1 || true",
      `touch ${marker} 2>&1 || true`, "echo in-tmp > /tmp/t && cat /tmp/t", "echo in-volume > /scratch/f && cat /scratch/f",
      "which nslookup || echo no-applets",
    ].join("; "), `
  securityContext: {runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003], fsGroup: 4004}
  volumes: [{name: scratch, emptyDir: {}}]`, `
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
    volumeMounts: [{name: scratch, mountPath: /scratch}]`);
    assert.match(logs, /^uid=1001 gid=2002 groups=2002 3003 4004$/m);
    assert.match(logs, /NoNewPrivs:\s+1/);
    assert.match(logs, /Operation not permitted/, "ip link add needs CAP_NET_ADMIN");
    assert.match(logs, /Read-only file system/);
    assert.ok(!existsSync(marker), "nothing the container writes to / reaches the node's /");
    assert.match(logs, /^in-tmp$/m, "the private /tmp stays writable");
    assert.match(logs, /^in-volume$/m, "an emptyDir is writable by any user");
    assert.match(logs, /\/busybox\/bin\/nslookup$/m, "busybox's applets stay on PATH, even with the data dir under the private /tmp");
  });

  test("a root container has runc's default capabilities, not the node agent's: no CAP_NET_ADMIN unless added or privileged", async () => {
    // Changing the pod's own loopback needs CAP_NET_ADMIN in the pod's network namespace.
    assert.match(await run("root-default", "ip link set lo mtu 65536 2>&1 || true"), /Operation not permitted/);
    const added = await run("root-netadmin", "ip link set lo mtu 65536 && echo added", "", `
    securityContext: {capabilities: {add: [NET_ADMIN]}}`);
    assert.match(added, /^added$/m);
  });

  test("every container has a private /tmp: neither the node's files there nor another pod's are visible", async () => {
    const nodeFile = `/tmp/tugboat-node-secret-${process.pid}`;
    writeFileSync(nodeFile, "node");
    try {
      const first = await run("tmp-a", `echo pod-a > /tmp/pod-a-${process.pid}; ls -A /tmp; test -e ${nodeFile} && echo SEES-NODE; true`);
      assert.doesNotMatch(first, /SEES-NODE/);
      assert.ok(!existsSync(`/tmp/pod-a-${process.pid}`), "the pod's /tmp file stays out of the node's /tmp");
      const second = await run("tmp-b", `ls -A /tmp /var/tmp; test -e /tmp/pod-a-${process.pid} && echo SEES-A; true`);
      assert.doesNotMatch(second, /SEES-A/);
    } finally {
      rmSync(nodeFile, { force: true });
    }
  });

  test("runAsNonRoot refuses a container that would run as root with CreateContainerConfigError", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: nonroot}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: c, image: busybox, command: ["sleep", "600"]}]`);
    const uid = c.ok(["get", "pod", "nonroot", "-o", "jsonpath={.metadata.uid}"]);
    let waiting: { reason: string; message?: string } | undefined;
    await eventually("CreateContainerConfigError", () => (waiting = c.json<PodJson>(["get", "pod", "nonroot"]).status.containerStatuses?.[0]?.state.waiting)?.reason === "CreateContainerConfigError", 30_000);
    assert.equal(waiting?.message, `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${uid})", container: c)`);
    c.ok(["delete", "pod", "nonroot", "--wait=false"]);
  });

  test("an emptyDir with medium Memory is a world-writable tmpfs of its sizeLimit, unmounted when the pod goes", async () => {
    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: memvol}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: cache, emptyDir: {medium: Memory, sizeLimit: 8Mi}}]
  containers:
  - {name: c, image: busybox, command: ["sh", "-c", "awk '$2 == \\"/cache\\" {print $3, $4}' /proc/mounts; stat -c %a /cache; sleep 600"], volumeMounts: [{name: cache, mountPath: /cache}]}`);
    await eventually("memvol's log", () => /\d{3}/.test(c.kubectl(["logs", "memvol"]).stdout), 60_000);
    const logs = c.ok(["logs", "memvol"]);
    assert.match(logs, /^tmpfs \S*size=8192k/m);
    assert.match(logs, /^777$/m);
    const uid = c.ok(["get", "pod", "memvol", "-o", "jsonpath={.metadata.uid}"]);
    assert.ok(readFileSync("/proc/self/mountinfo", "utf8").includes(uid), "mounted on the node");
    c.ok(["delete", "pod", "memvol"]);
    await eventually("the tmpfs unmounted", () => !readFileSync("/proc/self/mountinfo", "utf8").includes(uid), 30_000);
  });

  test("subPathExpr expands from the env; an absolute subPath is refused with 422", async () => {
    const logs = await run("subpath", "echo written > /sub/f; cat /whole/subpath/f", `
  volumes: [{name: v, emptyDir: {}}]`, `
    env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    volumeMounts: [{name: v, mountPath: /sub, subPathExpr: "$(POD_NAME)"}, {name: v, mountPath: /whole}]`);
    assert.equal(logs.trim(), "written");
    const refused = c.kubectl(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: bad-subpath}
spec:
  volumes: [{name: v, emptyDir: {}}]
  containers: [{name: c, image: busybox, volumeMounts: [{name: v, mountPath: /m, subPath: /etc}]}]`);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /spec\.containers\[0\]\.volumeMounts\.subPath: Invalid value: "\/etc": must be a relative path/);
  });

  test("a container mounting the node's /etc/hosts keeps it; a hostNetwork pod gets the node's under the host-network header", async () => {
    const own = await run("hosts-own", "head -1 /etc/hosts", `
  volumes: [{name: h, hostPath: {path: /etc/hosts}}]`, `
    volumeMounts: [{name: h, mountPath: /etc/hosts}]`);
    assert.equal(own.trim(), (readFileSync("/etc/hosts", "utf8").split("\n")[0] ?? "").trim());
    const hostNet = await run("hosts-hostnet", "head -1 /etc/hosts", "  hostNetwork: true");
    assert.equal(hostNet.trim(), "# Kubernetes-managed hosts file (host network).");
  });

  test("safe sysctls are set in the pod's own IPC and network namespaces, not the node's; an unsafe one rejects the pod", async () => {
    const node = readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim();
    const logs = await run("sysctls", "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_unprivileged_port_start", `
  securityContext:
    sysctls: [{name: kernel.shm_rmid_forced, value: "1"}, {name: net/ipv4/ip_unprivileged_port_start, value: "100"}]`);
    assert.deepEqual(logs.trim().split("\n"), ["1", "100"]);
    assert.equal(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim(), node, "the node's own value is untouched");

    c.ok(["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: unsafe-sysctl}
spec:
  securityContext: {sysctls: [{name: kernel.msgmax, value: "10000"}]}
  containers: [{name: c, image: busybox, command: ["sleep", "600"]}]`);
    await eventually("unsafe-sysctl rejected", () => phase("unsafe-sysctl") === "Failed", 30_000);
    const pod = c.json<{ status: { reason?: string; message?: string } }>(["get", "pod", "unsafe-sysctl"]);
    assert.equal(pod.status.reason, "SysctlForbidden");
    assert.equal(pod.status.message, 'Pod was rejected: forbidden sysctl: "kernel.msgmax" not allowlisted');
  });
});
