import assert from "node:assert/strict";
import { PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, expectCode, isRunning, podLogs, runToEnd, shPod, waitFor, waitForPod, waitGone } from "../core-kit.js";

/**
 * Upstream's common/node/kubelet.go, kubelet_etc_hosts.go, security_context.go (and node/security_context.go)
 * and sysctl.go. Scripts that would write to the root filesystem clean up after themselves: the process
 * runtime shares the host's root with its pods (all but /tmp, /var/tmp and /dev/shm).
 */

async function output(ctx: ConformanceContext, pod: Pod): Promise<{ phase?: string; logs: string }> {
  const { pod: done, logs } = await runToEnd(ctx, pod);
  return { phase: done.status?.phase, logs: logs.trim() };
}

const MANAGED = "# Kubernetes-managed hosts file.";

function hostsPod(name: string, hostNetwork: boolean, mountHostFile: number[]): Pod {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      hostNetwork, terminationGracePeriodSeconds: 1,
      volumes: [{ name: "host-etc-hosts", hostPath: { path: "/etc/hosts" } }],
      containers: [1, 2, 3].map((i) => ({
        name: `busybox-${i}`, image: "busybox", command: ["sh", "-c", "cat /etc/hosts; sleep 600"],
        volumeMounts: mountHostFile.includes(i) ? [{ name: "host-etc-hosts", mountPath: "/etc/hosts" }] : [],
      })),
    },
  };
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-node] Kubelet when scheduling a busybox command in a pod should print the output to logs [NodeConformance] [Conformance]",
    async run(ctx) {
      assert.equal((await output(ctx, shPod("busybox-scheduling", "echo 'Hello World'"))).logs, "Hello World");
    },
  },
  {
    codename: "[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should have an terminated reason [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, shPod("bin-false", "", { container: { command: ["/bin/false"] }, spec: { restartPolicy: "Always" } }));
      const p = await waitForPod(ctx, "bin-false", "to have a terminated state with a reason", (x) => {
        const s = x.status?.containerStatuses?.[0];
        const t = (s?.state?.terminated ?? s?.lastState?.terminated) as { reason?: string } | undefined;
        return !!t?.reason;
      });
      assert.equal(p.spec.containers.length, 1);
    },
  },
  {
    codename: "[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should be possible to delete [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, shPod("bin-false", "", { container: { command: ["/bin/false"] }, spec: { restartPolicy: "Always" } }));
      await waitForPod(ctx, "bin-false", "to have failed once", (x) => !!(x.status?.containerStatuses?.[0]?.state?.terminated ?? x.status?.containerStatuses?.[0]?.lastState?.terminated));
      await ctx.client.delete(PODS, ctx.namespace, "bin-false");
      await waitGone(ctx, PODS, "bin-false");
    },
  },
  {
    codename: "[sig-node] Kubelet when scheduling a read only busybox container should not write to root filesystem [LinuxOnly] [NodeConformance] [Conformance]",
    async run(ctx) {
      const { logs } = await output(ctx, shPod("busybox-readonly-fs", "if echo test > /conformance-readonly-check; then rm -f /conformance-readonly-check; echo WROTE; fi", { container: { securityContext: { readOnlyRootFilesystem: true } } }));
      assert.match(logs, /Read-only file system/);
      assert.doesNotMatch(logs, /WROTE/);
    },
  },
  {
    codename: "[sig-node] Kubelet when scheduling an agnhost Pod with hostAliases should write entries to /etc/hosts [NodeConformance] [Conformance]",
    async run(ctx) {
      const { logs } = await output(ctx, shPod("agnhost-host-aliases", "cat /etc/hosts", { spec: { hostAliases: [{ ip: "123.45.67.89", hostnames: ["foo", "bar"] }] } }));
      assert.match(logs, /^123\.45\.67\.89\s+foo\s+bar$/m);
    },
  },
  {
    codename: "[sig-node] KubeletManagedEtcHosts should test kubelet managed /etc/hosts file [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(PODS, ctx.namespace, hostsPod("test-pod", false, [3]));
      await ctx.client.create(PODS, ctx.namespace, hostsPod("test-host-network-pod", true, []));
      for (const name of ["test-pod", "test-host-network-pod"]) await waitForPod(ctx, name, "to run", isRunning);
      const hostsOf = (pod: string, c: number) => waitFor(`the /etc/hosts of ${pod}/busybox-${c}`, async () => (await podLogs(ctx, pod, `busybox-${c}`)) || undefined);
      for (const c of [1, 2]) assert.ok((await hostsOf("test-pod", c)).includes(MANAGED), `test-pod/busybox-${c} has the kubelet's /etc/hosts`);
      assert.ok(!(await hostsOf("test-pod", 3)).includes(MANAGED), "a container mounting the host's /etc/hosts keeps it");
      for (const c of [1, 2]) assert.ok(!(await hostsOf("test-host-network-pod", c)).includes(MANAGED), `a hostNetwork pod's busybox-${c} sees the host's /etc/hosts`);
    },
  },
  {
    codename: "[sig-node] Security Context When creating a container with runAsUser should run the container with uid 65534 [LinuxOnly] [NodeConformance] [Conformance]",
    async run(ctx) {
      const r = await output(ctx, shPod("busybox-user-65534", "id -u", { container: { securityContext: { runAsUser: 65534 } } }));
      assert.equal(r.phase, "Succeeded");
      assert.equal(r.logs, "65534");
    },
  },
  {
    codename: "[sig-node] Security Context should support container.SecurityContext.RunAsUser And container.SecurityContext.RunAsGroup [LinuxOnly] [Conformance]",
    async run(ctx) {
      const r = await output(ctx, shPod("security-context-container", "id -u; id -g", { container: { securityContext: { runAsUser: 1001, runAsGroup: 2002 } } }));
      assert.equal(r.logs, "1001\n2002");
    },
  },
  {
    codename: "[sig-node] Security Context should support pod.Spec.SecurityContext.RunAsUser And pod.Spec.SecurityContext.RunAsGroup [LinuxOnly] [Conformance]",
    async run(ctx) {
      const r = await output(ctx, shPod("security-context-pod", "id -u; id -g", { spec: { securityContext: { runAsUser: 1001, runAsGroup: 2002 } } }));
      assert.equal(r.logs, "1001\n2002");
    },
  },
  {
    codename: "[sig-node] Security Context When creating a pod with privileged should run the container as unprivileged when false [LinuxOnly] [NodeConformance] [Conformance]",
    async run(ctx) {
      const r = await output(ctx, shPod("busybox-privileged-false", "ip link add dummy1 type dummy 2>&1 || true; ip link del dummy1 2>/dev/null; true", { container: { securityContext: { privileged: false } } }));
      assert.match(r.logs, /Operation not permitted/);
    },
  },
  {
    codename: "[sig-node] Security Context When creating a pod with readOnlyRootFilesystem should run the container with writable rootfs when readOnlyRootFilesystem=false [NodeConformance] [Conformance]",
    async run(ctx) {
      const file = `/conformance-rw-check-${ctx.namespace}`;
      const r = await output(ctx, shPod("busybox-readonly-false", `echo checkfile > ${file} && rm -f ${file} && echo written`, { container: { securityContext: { readOnlyRootFilesystem: false } } }));
      assert.equal(r.phase, "Succeeded", r.logs);
      assert.equal(r.logs, "written");
    },
  },
  {
    codename: "[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should not allow privilege escalation when false [LinuxOnly] [NodeConformance] [Conformance]",
    async run(ctx) {
      const r = await output(ctx, shPod("alpine-nnp-false", "id -u; grep NoNewPrivs /proc/self/status", { container: { securityContext: { allowPrivilegeEscalation: false, runAsUser: 1000 } } }));
      assert.match(r.logs, /^1000$/m, "runs as uid 1000");
      assert.match(r.logs, /NoNewPrivs:\s+1/, "with no_new_privs set");
    },
  },
  {
    codename: "[sig-node] Sysctls [LinuxOnly] [NodeConformance] should support sysctls [MinimumKubeletVersion:1.21] [Environment:NotInUserNS] [Conformance]",
    async run(ctx) {
      const r = await output(ctx, shPod("sysctl-pod", "sysctl kernel.shm_rmid_forced", { spec: { securityContext: { sysctls: [{ name: "kernel.shm_rmid_forced", value: "1" }] } } }));
      assert.equal(r.phase, "Succeeded");
      assert.equal(r.logs, "kernel.shm_rmid_forced = 1");
    },
  },
  {
    codename: "[sig-node] Sysctls [LinuxOnly] [NodeConformance] should reject invalid sysctls [MinimumKubeletVersion:1.21] [Conformance]",
    async run(ctx) {
      const err = await expectCode(ctx.client.create(PODS, ctx.namespace, shPod("sysctl-invalid", "true", {
        spec: { securityContext: { sysctls: [{ name: "foo-", value: "bar" }, { name: "kernel.shmmax", value: "100000000" }, { name: "safe-and-unsafe", value: "100000000" }, { name: "bar..", value: "42" }] } },
      })), 422, "a pod with invalid sysctl names");
      for (const bad of ["foo-", "bar.."]) assert.ok(err.message.includes(`Invalid value: "${bad}"`), `names ${bad}: ${err.message}`);
      for (const good of ["kernel.shmmax", "safe-and-unsafe"]) assert.ok(!err.message.includes(`Invalid value: "${good}"`), `${good} is a valid name`);
    },
  },
];
