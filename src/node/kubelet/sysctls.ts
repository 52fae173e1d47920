import type { Pod } from "kubernetes-types/core/v1.js";

/** The sysctls the kubelet lets every pod set (upstream's safe set, namespaced and isolated from the node). */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
]);

/** A sysctl name in its dotted form (`kernel/shm_rmid_forced` → `kernel.shm_rmid_forced`), as upstream compares them. */
function dotted(name: string): string {
  const slash = name.indexOf("/");
  const dot = name.indexOf(".");
  return slash >= 0 && (dot < 0 || slash < dot) ? name.replace(/[./]/g, (c) => (c === "/" ? "." : "/")) : name;
}

/**
 * Upstream's sysctl admission: a pod asking for a sysctl outside the allowlist, or for a network sysctl
 * on the host's network, is rejected (reason SysctlForbidden) before anything of it runs.
 */
export function forbiddenSysctl(pod: Pod): { reason: string; message: string } | undefined {
  for (const { name } of pod.spec?.securityContext?.sysctls ?? []) {
    const key = dotted(name);
    let why: string | undefined;
    if (pod.spec?.hostNetwork && key.startsWith("net.")) why = `"${name}" not allowed with host net enabled`;
    else if (!SAFE_SYSCTLS.has(key)) why = `"${name}" not allowlisted`;
    if (why) return { reason: "SysctlForbidden", message: `forbidden sysctl: ${why}` };
  }
  return undefined;
}
