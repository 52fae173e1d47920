import { chmodSync, lchownSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/**
 * Upstream's SetVolumeOwnership (pkg/volume/volume_linux.go) for a pod with `fsGroup`: every file and
 * directory of the volume (the volume's own directory too) gets group `fsGroup` and group read (and
 * write, unless the volume is read-only: configMap, secret, downwardAPI and projected are) on top of
 * its mode; directories also get group/owner search and setgid, so new files inherit the group.
 * Symlinks change group only. Without root the group can't be given away: then nothing changes.
 *
 * Worked example: a secret file 0400 in a read-only volume becomes 0440 (-r--r-----); an emptyDir
 * directory 0777 becomes 02777 (drwxrwsrwx).
 */
export function setVolumeOwnership(dir: string, fsGroup: number | undefined, readOnly: boolean): void {
  if (fsGroup === undefined) return;
  const mask = readOnly ? RO_MASK : RW_MASK;
  const visit = (path: string): void => {
    const st = lstatSync(path);
    try {
      lchownSync(path, -1, fsGroup);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EPERM") return;
      throw err;
    }
    if (st.isSymbolicLink()) return;
    chmodSync(path, (st.mode & 0o7777) | mask | (st.isDirectory() ? EXEC_MASK | SETGID : 0));
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
}
