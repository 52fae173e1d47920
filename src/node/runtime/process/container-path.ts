import { lstatSync, readlinkSync } from "node:fs";
import { posix } from "node:path";

/** How many symlinks one path may go through (Linux's MAXSYMLINKS is 40; securejoin allows 255). */
const MAX_LINKS = 40;

/**
 * A path inside the container with the symlinks along it resolved inside the container's root (as runc's
 * securejoin does for mount destinations), here the host's root, which the container's root filesystem is
 * an overlay of. So `/var/run/secrets/…` on a host where /var/run → /run becomes `/run/secrets/…`: the
 * mount lands where the container will look, rather than the symlink being followed on the host before
 * the container's root is entered. Components that don't exist are kept as they are.
 */
export function resolveContainerPath(path: string, fs: { lstat: (p: string) => { isSymbolicLink(): boolean } | undefined; readlink: (p: string) => string } = hostFs): string {
  let pending = posix.normalize(`/${path}`).split("/").filter(Boolean);
  let resolved = "/";
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      resolved = posix.dirname(resolved);
      continue;
    }
    const next = posix.join(resolved, part);
    if (fs.lstat(next)?.isSymbolicLink() && links++ < MAX_LINKS) {
      const target = fs.readlink(next);
      pending = [...target.split("/").filter(Boolean), ...pending];
      if (target.startsWith("/")) resolved = "/";
      continue;
    }
    resolved = next;
  }
  return resolved;
}

const hostFs = {
  lstat: (p: string) => lstatSync(p, { throwIfNoEntry: false }),
  readlink: (p: string) => readlinkSync(p),
};
