import { dirname } from "node:path";
import type { ContainerSecurity, Mount } from "../runtime.js";
import { shQuote } from "./network.js";

/**
 * How the process runtime starts a container as root (a pure plan, run by process-runtime.ts):
 *
 * 1. `nsenter` into the pod's network and UTS namespaces (not for hostNetwork pods);
 * 2. `unshare --mount` a private mount namespace, in which a bash script
 *    a. mounts a small tmpfs on `stageDir` and works from it (its cwd), so every source is reached
 *       through the stage even once a later mount covers its host path (the node's state may live
 *       under /tmp, which the container gets a private copy of);
 *    b. stages a fresh tmpfs (mode 1777) for each private directory (PRIVATE_DIRS) and a bind mount of
 *       each volume (read-only ones remounted read-only there);
 *    c. moves each staged mount to its path in the container, parents before children (as containerd
 *       sorts mounts by depth), making the mount point first (a directory, or an empty file for a file);
 *    d. with readOnlyRootFilesystem, remounts `/` read-only — only that mount: volumes and the private
 *       directories keep their own flags;
 * 3. `setpriv` switches to the container's uid, gid and groups, limits its capabilities (bounding set:
 *    a root process holds those, a non-root one none, as after runc's execve) and sets no_new_privs;
 * 4. the container's argv is exec'ed, with the same pid throughout, so `nsenter --target` finds it.
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
  namespaces?: { netns: string; uts: string };
  /** A host directory to stage mounts on (each container mounts its own tmpfs there, in its own namespace). */
  stageDir: string;
  mounts: LaunchMount[];
  /** Absent: root, with every capability the node agent has. */
  security?: ContainerSecurity;
  /** The absolute path of a host tool (never the container's PATH: busybox images put their applets first). */
  tool: (name: string) => string;
}

const depth = (path: string) => path.split("/").filter(Boolean).length;
const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir.replace(/\/$/, "")}/`);

/** A volume mounted at (or above) a private directory hides it, as it hides the image's directory. */
function usedPrivateDirs(mounts: Mount[]): string[] {
  return PRIVATE_DIRS.filter((dir) => !mounts.some((m) => within(dir, m.containerPath)));
}

/**
 * The mount points a container's launch makes on the host's own root filesystem, which every container
 * shares (the process runtime has no image rootfs): its targets outside its private directories and its
 * other mounts. The runtime removes the ones it created once no running container needs them.
 */
export function hostMountPoints(mounts: Mount[]): string[] {
  const privateDirs = usedPrivateDirs(mounts);
  return mounts.map((m) => m.containerPath)
    .filter((t) => !privateDirs.some((d) => within(t, d)) && !mounts.some((o) => o.containerPath !== t && within(t, o.containerPath)));
}

/**
 * The directories of the container's PATH that a private directory would hide (the busybox images' applet
 * links live in the node's data dir, which may be under /tmp), mounted read-only at their own paths.
 */
export function pathMounts(path: string | undefined, mounts: Mount[], exists: (dir: string) => boolean): Mount[] {
  const privateDirs = usedPrivateDirs(mounts);
  return [...new Set((path ?? "").split(":"))]
    .filter((dir) => dir.startsWith("/") && privateDirs.some((p) => within(dir, p)) && exists(dir))
    .map((dir) => ({ hostPath: dir, containerPath: dir, readOnly: true }));
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
  const script = [
    `${mount} -t tmpfs -o mode=0700,size=1m tugboat-stage ${q(plan.stageDir)}`,
    `cd ${q(plan.stageDir)}`,
    ...staged.flatMap((s) => s.setUp),
    ...placed.flatMap((s) => [
      s.file ? `${mkdir} -p ${q(dirname(s.target))} && { [ -e ${q(s.target)} ] || ${tool("touch")} ${q(s.target)}; }` : `${mkdir} -p ${q(s.target)}`,
      `${mount} --move ${s.source} ${q(s.target)}`,
    ]),
    ...(plan.security?.readOnlyRootFilesystem ? [`${mount} -o remount,bind,ro /`] : []),
    `cd ${q(plan.cwd)}`,
    ["exec", ...(plan.security ? setprivArgv(plan.security, tool).map(q) : []), '"$@"'].join(" "),
  ].join(" && ");
  const enter = plan.namespaces ? [tool("nsenter"), `--net=${plan.namespaces.netns}`, `--uts=${plan.namespaces.uts}`, "--"] : [];
  // bash, not sh: dash drops variables whose names are no shell identifiers (a ConfigMap key such as
  // data-1 through envFrom) from what it passes on, where bash passes the environment through whole.
  return [...enter, tool("unshare"), "--mount", "--propagation", "private", "--", tool("bash"), "-c", script, "bash", ...plan.argv];
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
 * network and UTS unless it is on the host network), as its user with its capabilities.
 */
export function execArgv(pid: number, opts: { podNetwork: boolean; security?: ContainerSecurity; tool: (name: string) => string }, argv: string[]): string[] {
  const namespaces = opts.podNetwork ? ["--net", "--uts", "--mount"] : ["--mount"];
  return [opts.tool("nsenter"), `--target=${pid}`, ...namespaces, "--", ...(opts.security ? setprivArgv(opts.security, opts.tool) : []), ...argv];
}
