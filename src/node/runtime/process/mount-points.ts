import { existsSync, readdirSync, rmdirSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The mount points containers made on the host's root filesystem (launch.ts's hostMountPoints), removed
 * again once no running container mounts there: the process runtime has no image rootfs, so a mount point
 * one pod made (`mkdir /test-volume`) would otherwise stay on the node for good — and a later pod mounting a
 * file there would find a directory.
 */
export class HostMountPoints {
  /** Per container: the mount points it needs, and for each it created the topmost directory or file it made. */
  private readonly byContainer = new Map<string, Array<{ target: string; created?: string }>>();

  /** Records `targets` for container `id`, before its launch makes the missing ones. */
  claim(id: string, targets: string[]): void {
    this.byContainer.set(id, targets.map((target) => {
      if (existsSync(target)) return { target };
      let created = target;
      while (dirname(created) !== created && !existsSync(dirname(created))) created = dirname(created);
      return { target, created };
    }));
  }

  /** Container `id` has exited: removes what it created that no other container's mounts are on or under, if still empty. */
  release(id: string): void {
    const mine = this.byContainer.get(id) ?? [];
    this.byContainer.delete(id);
    const inUse = [...this.byContainer.values()].flat().map((m) => m.target);
    for (const { target, created } of mine) {
      if (!created || inUse.some((t) => t === created || t.startsWith(`${created}/`))) continue;
      for (let path = target; ; path = dirname(path)) {
        if (!removeIfEmpty(path) || path === created) break;
      }
    }
  }
}

function removeIfEmpty(path: string): boolean {
  try {
    const st = statSync(path);
    if (st.isDirectory() && readdirSync(path).length === 0) rmdirSync(path);
    else if (st.isFile() && st.size === 0) unlinkSync(path);
    else return false;
    return true;
  } catch {
    return false;
  }
}
