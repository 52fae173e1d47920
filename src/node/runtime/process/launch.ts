import { dirname } from "node:path";
import type { ContainerSecurity, Mount } from "../runtime.js";
import { shQuote } from "./network.js";

/**
 * How the process runtime starts a container as root (a pure plan, run by process-runtime.ts):
 *
 * 1. `nsenter` into the pod's network, UTS and IPC namespaces (not for hostNetwork pods);
 * 2. `unshare --mount` a private mount namespace, in which a bash script
 *    a. mounts a tmpfs on `stageDir` and works from it (its cwd), so every source is reached through the
 *       stage even once a later mount covers its host path (the node's state may live under /tmp);
 *    b. builds the container's root: an overlay of the host's root filesystem (read through, written into
 *       the stage, so mount points and files the container makes never land on the node's root), with the
 *       host's other mounts (/proc, /sys, /dev, …) bound recursively into it;
 *    c. stages a fresh tmpfs (mode 1777) for each private directory (PRIVATE_DIRS) and a bind mount of
 *       each volume (read-only ones remounted read-only there);
 *    d. moves each staged mount to its path in the new root, parents before children (as containerd sorts
 *       mounts by depth), making the mount point first (a directory, or an empty file for a file);
 *    e. with readOnlyRootFilesystem, remounts the root read-only — only that mount: volumes and the
 *       private directories keep their own flags;
 *    f. pivots into the new root (as runc: `pivot_root . .`, then detaches the old one), so `nsenter
 *       --mount` into the container lands in it too;
 * 3. `setpriv` switches to the container's uid, gid and groups, limits its capabilities (bounding set:
 *    a root process holds those, a non-root one none, as after runc's execve) and sets no_new_privs;
 * 4. the container's argv is exec'ed (after a line to `readyFd`: the container is set up), with the same pid
 *    throughout, so `nsenter --target` finds it.
 */

/** Directories each container gets a private, empty tmpfs on, as an image's writable layer would give it. */
export const PRIVATE_DIRS = ["/tmp", "/var/tmp", "/dev/shm"];

export interface LaunchMount extends Mount {
  /** The host path is a file (mounted over a file, made empty when missing), not a directory. */
  file: boolean;
}

export interface LaunchPlan {
  argv: string[];
  cwd: string;
  /** The pod's namespace files to enter; absent: the host's network (hostNetwork pods). */
  namespaces?: { netns: string; uts: string; ipc: string };
  /** A host directory to stage mounts on (each container mounts its own tmpfs there, in its own namespace). */
  stageDir: string;
  mounts: LaunchMount[];
  /** Absent: root, with every capability the node agent has. */
  security?: ContainerSecurity;
  /** The absolute path of a host tool (never the container's PATH: busybox images put their applets first). */
  tool: (name: string) => string;
  /** A file descriptor to write a line to (then close) once the container is set up, just before its exec. */
  readyFd?: number;
}

const depth = (path: string) => path.split("/").filter(Boolean).length;
const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir.replace(/\/$/, "")}/`);

/** A volume mounted at (or above) a private directory hides it, as it hides the image's directory. */
function usedPrivateDirs(mounts: Mount[]): string[] {
  return PRIVATE_DIRS.filter((dir) => !mounts.some((m) => within(dir, m.containerPath)));
}

/**
 * What of the stand-in image a private directory would hide, mounted read-only at its own path: the
 * directories of the container's PATH (the busybox images' applet links live in the node's data dir, which
 * may be under /tmp) and the host files its command names (the demo app's script, in a checkout that may be
 * under /tmp too).
 */
export function pathMounts(path: string | undefined, mounts: Mount[], exists: (path: string) => boolean, argv: readonly string[] = []): Mount[] {
  const privateDirs = usedPrivateDirs(mounts);
  return [...new Set([...(path ?? "").split(":"), ...argv])]
    .filter((p) => p.startsWith("/") && privateDirs.some((dir) => within(p, dir)) && exists(p))
    .map((p) => ({ hostPath: p, containerPath: p, readOnly: true }));
}

/** The argv that starts the container (see the module comment). */
export function launchArgv(plan: LaunchPlan): string[] {
  const { tool } = plan;
  const mount = `${tool("mount")} --no-canonicalize`;
  const mkdir = tool("mkdir");
  const q = shQuote;
  const privateDirs = usedPrivateDirs(plan.mounts);
  const staged = [
    ...privateDirs.map((dir, i) => ({ source: `p${i}`, target: dir, file: false, setUp: [`${mkdir} p${i}`, `${mount} -t tmpfs -o mode=1777,nosuid,nodev tmpfs p${i}`] })),
    ...plan.mounts.map((m, i) => ({
      source: `v${i}`, target: m.containerPath, file: m.file,
      setUp: [
        m.file ? `${tool("touch")} v${i}` : `${mkdir} v${i}`,
        `${mount} --bind ${q(m.hostPath)} v${i}`,
        ...(m.readOnly ? [`${mount} -o remount,bind,ro v${i}`] : []),
      ],
    })),
  ];
  const placed = [...staged].sort((a, b) => depth(a.target) - depth(b.target));
  const stage = q(plan.stageDir);
  const awk = tool("awk");
  const inRoot = (path: string) => q(`root${path}`);
  const script = [
    `${mount} -t tmpfs -o mode=0700 tugboat-stage ${stage}`,
    `cd ${stage}`,
    `${mkdir} lower upper work root`,
    `${mount} --bind / lower`,
    `${mount} -t overlay tugboat-root -o ${q(`lowerdir=${plan.stageDir}/lower,upperdir=${plan.stageDir}/upper,workdir=${plan.stageDir}/work`)} root`,
    // The host's mounts on its root filesystem (and, recursively, theirs) into the new root: not the stage,
    // nor namespace files (other pods' UTS namespaces, which come and go meanwhile: a mount point gone by
    // the time it is bound is skipped, and what mount said of it stays out of the container's log).
    `r=$(${awk} '$5 == "/" {id = $1} END {print id}' /proc/self/mountinfo)`,
    `{ ${awk} -v r="$r" '{ for (i = 7; i < NF; i++) if ($i == "-") { t = $(i + 1); break } } $2 == r && $5 != "/" && t != "nsfs" {print $5}' /proc/self/mountinfo | ${tool("sort")} -u | while read -r p; do p=$(printf '%b' "$p"); case "$p" in ${stage}|${stage}/*) continue;; esac; e=$(${mount} --rbind "$p" "root$p" 2>&1) || [ ! -e "$p" ] || { printf '%s\\n' "$e" >&2; exit 1; }; done; }`,
    ...staged.flatMap((s) => s.setUp),
    ...placed.flatMap((s) => [
      s.file
        // A file goes over a file: an empty directory left in the host's root (another pod's mount point) makes way, in the overlay only.
        ? `${mkdir} -p ${inRoot(dirname(s.target))} && { [ ! -d ${inRoot(s.target)} ] || [ "$(${tool("stat")} -f -c %T ${inRoot(s.target)})" != overlayfs ] || rmdir ${inRoot(s.target)}; } && { [ -e ${inRoot(s.target)} ] || ${tool("touch")} ${inRoot(s.target)}; }`
        : `${mkdir} -p ${inRoot(s.target)}`,
      `${mount} --move ${s.source} ${inRoot(s.target)}`,
    ]),
    ...(plan.security?.readOnlyRootFilesystem ? [`${mount} -o remount,bind,ro root`] : []),
    "cd root", `${tool("pivot_root")} . .`, `${tool("umount")} -l .`,
    `cd ${q(plan.cwd)}`,
    ...(plan.readyFd !== undefined ? [`echo >&${plan.readyFd}`, `exec ${plan.readyFd}>&-`] : []),
    ["exec", ...(plan.security ? setprivArgv(plan.security, tool).map(q) : []), '"$@"'].join(" "),
  ].join(" && ");
  const enter = plan.namespaces ? [tool("nsenter"), `--net=${plan.namespaces.netns}`, `--uts=${plan.namespaces.uts}`, `--ipc=${plan.namespaces.ipc}`, "--"] : [];
  // bash, not sh: dash drops variables whose names are no shell identifiers (a ConfigMap key such as
  // data-1 through envFrom) from what it passes on, where bash passes the environment through whole.
  // --norc: a container's stdin (spec stdin) is a socket, and bash reading from one would load ~/.bashrc.
  return [...enter, tool("unshare"), "--mount", "--propagation", "private", "--", tool("bash"), "--norc", "--noprofile", "-c", script, "bash", ...plan.argv];
}

/** `setpriv` switching to the container's user, groups and capabilities, ending with `--` before the command. */
export function setprivArgv(security: ContainerSecurity, tool: (name: string) => string): string[] {
  const args = [tool("setpriv"), "--reuid", String(security.uid), "--regid", String(security.gid)];
  args.push(...(security.groups.length > 0 ? ["--groups", security.groups.join(",")] : ["--clear-groups"]));
  if (security.capabilities !== "all") {
    args.push("--bounding-set", ["-all", ...security.capabilities.map((c) => `+${c.toLowerCase()}`)].join(","));
  }
  if (security.noNewPrivs) args.push("--no-new-privs");
  return [...args, "--"];
}

/**
 * The argv that runs `argv` inside a running container (exec probes, hooks, `kubectl exec`): in the
 * namespaces of its process `pid` (its mount namespace, so its volumes and private /tmp; the pod's
 * network, UTS and IPC unless it is on the host network), in its working directory, as its user with its
 * capabilities.
 */
export function execArgv(pid: number, opts: { podNetwork: boolean; security?: ContainerSecurity; tool: (name: string) => string }, argv: string[]): string[] {
  const namespaces = opts.podNetwork ? ["--net", "--uts", "--ipc", "--mount"] : ["--mount"];
  return [opts.tool("nsenter"), `--target=${pid}`, ...namespaces, "--wd", "--", ...(opts.security ? setprivArgv(opts.security, opts.tool) : []), ...argv];
}
