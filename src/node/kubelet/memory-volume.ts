import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Quantity } from "../../api/quantity.js";

/**
 * `emptyDir: {medium: Memory}` as the kubelet sets it up: a tmpfs on the volume's directory (sized by
 * `sizeLimit` when set), mounted on the node so every container of the pod shares it, and unmounted when
 * the pod goes. Mounting needs root: otherwise the volume stays a plain directory.
 */

/** The tmpfs mount options: the directory world-writable as every emptyDir, and `sizeLimit` as its size. */
export function tmpfsOptions(sizeLimit: string | undefined): string {
  let bytes = 0n;
  try {
    if (sizeLimit !== undefined) bytes = Quantity.parse(sizeLimit).nanos / 1_000_000_000n;
  } catch { /* validation refuses a bad quantity: no size then */ }
  return bytes > 0n ? `mode=0777,size=${bytes}` : "mode=0777";
}

/** Mount points in /proc/self/mountinfo text at or under `dir` (deepest first, so they unmount in order). */
export function mountPointsUnder(mountinfo: string, dir: string): string[] {
  const prefix = `${dir.replace(/\/$/, "")}/`;
  const points = mountinfo.split("\n").flatMap((line) => {
    const field = line.split(" ")[4];
    if (field === undefined) return [];
    const point = field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    return point === dir || point.startsWith(prefix) ? [point] : [];
  });
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function mountinfo(): string {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return "";
  }
}

const isRoot = () => process.getuid?.() === 0 && process.platform === "linux";

/** Mounts the tmpfs on `dir` unless it is mounted already (the volume is set up again for every container). */
export function mountMemoryVolume(dir: string, sizeLimit: string | undefined): void {
  if (!isRoot() || mountPointsUnder(mountinfo(), dir).includes(dir)) return;
  execFileSync("mount", ["-t", "tmpfs", "-o", tmpfsOptions(sizeLimit), "tmpfs", dir], { stdio: "ignore" });
}

/** Unmounts every memory volume under `dir` (a pod's directory, or all pods'), before it is removed. */
export function unmountMemoryVolumes(dir: string): void {
  if (!isRoot()) return;
  for (const point of mountPointsUnder(mountinfo(), dir)) {
    try {
      execFileSync("umount", ["-l", point], { stdio: "ignore" });
    } catch { /* gone meanwhile */ }
  }
}
