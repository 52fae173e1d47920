import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { forbiddenSysctl } from "./sysctls.js";

const pod = (sysctls: Array<{ name: string; value: string }>, hostNetwork = false): Pod => ({ spec: { hostNetwork, securityContext: { sysctls }, containers: [] } });

test("forbiddenSysctl admits the safe set, in dotted or slashed form", () => {
  assert.equal(forbiddenSysctl(pod([{ name: "kernel.shm_rmid_forced", value: "1" }, { name: "net/ipv4/ip_local_port_range", value: "1024 65000" }])), undefined);
  assert.equal(forbiddenSysctl(pod([])), undefined);
});

test("forbiddenSysctl rejects a sysctl outside the allowlist, and network sysctls on the host's network", () => {
  assert.deepEqual(forbiddenSysctl(pod([{ name: "kernel.msgmax", value: "10000" }])), { reason: "SysctlForbidden", message: 'forbidden sysctl: "kernel.msgmax" not allowlisted' });
  assert.deepEqual(forbiddenSysctl(pod([{ name: "net.ipv4.tcp_syncookies", value: "1" }], true)), { reason: "SysctlForbidden", message: 'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled' });
});
