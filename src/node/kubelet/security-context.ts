import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { ContainerSecurity, ImageSpec } from "../runtime/runtime.js";
import { ContainerConfigError } from "./container-env.js";

/** The capabilities of a non-privileged container: containerd's default set, which runc applies. */
export const DEFAULT_CAPABILITIES = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE",
  "SYS_CHROOT", "KILL", "AUDIT_WRITE",
];

/** Linux's capabilities (without `CAP_`), in number order: what `add: [ALL]` means. */
export const ALL_CAPABILITIES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
  "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
  "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
  "PERFMON", "BPF", "CHECKPOINT_RESTORE",
];

/** The image's USER split as the runtime reads it: a numeric uid (and gid), or a name it cannot check. */
export function imageUser(user: string | undefined): { uid?: number; gid?: number; name?: string } {
  if (!user) return { uid: 0 };
  const [u = "", g] = user.split(":");
  const numeric = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const uid = numeric(u);
  return uid === undefined ? { name: u } : { uid, gid: numeric(g) };
}

/**
 * The capabilities a container keeps, as containerd builds them from `capabilities`: `add: [ALL]` gives
 * every one, `drop: [ALL]` none, then the named ones are added and dropped (upper-cased; names Linux does
 * not have are left out).
 */
export function capabilities(add: string[] = [], drop: string[] = []): string[] {
  const upper = (list: string[]) => list.map((c) => c.toUpperCase());
  const [adds, drops] = [upper(add), upper(drop)];
  let set = new Set(DEFAULT_CAPABILITIES);
  if (adds.includes("ALL")) set = new Set(ALL_CAPABILITIES);
  if (drops.includes("ALL")) set = new Set();
  for (const c of adds) if (ALL_CAPABILITIES.includes(c)) set.add(c);
  for (const c of drops) set.delete(c);
  return ALL_CAPABILITIES.filter((c) => set.has(c));
}

/**
 * The container's effective security context (the container's fields win over the pod's), resolved as the
 * kubelet and containerd do: uid from runAsUser, else the image's USER, else root; gid from runAsGroup,
 * else the image's (only when the image's user is used), else 0; supplementalGroups then fsGroup as
 * supplementary groups. runAsNonRoot refuses a container that would run as uid 0, with upstream's message
 * (CreateContainerConfigError).
 */
export function containerSecurity(pod: Pod, container: Container, image: Pick<ImageSpec, "user">): ContainerSecurity {
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  const fromImage = imageUser(image.user);
  if (sc.runAsNonRoot ?? podSc.runAsNonRoot) {
    const m = pod.metadata ?? {};
    const where = `(pod: "${m.name}_${m.namespace}(${m.uid})", container: ${container.name})`;
    if (runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    if (runAsUser === undefined && fromImage.name !== undefined) {
      throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${fromImage.name}), cannot verify user is non-root ${where}`);
    }
    if (runAsUser === undefined && fromImage.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
  }
  const groups = [...(podSc.supplementalGroups ?? []), ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : [])];
  return {
    uid: runAsUser ?? fromImage.uid ?? 0,
    gid: runAsGroup ?? (runAsUser === undefined ? fromImage.gid : undefined) ?? 0,
    groups: [...new Set(groups)],
    capabilities: sc.privileged ? "all" : capabilities(sc.capabilities?.add, sc.capabilities?.drop),
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem ?? false,
  };
}
