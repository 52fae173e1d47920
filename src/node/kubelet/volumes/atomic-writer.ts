import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";

/**
 * Upstream's AtomicWriter (pkg/volume/util/atomic_writer.go): how configMap, secret, downwardAPI and
 * projected volumes are written so a reader never sees half an update.
 *
 * The real files live in a timestamped directory; `..data` is a symlink to it, and every user-visible
 * top-level name is a symlink into `..data`:
 *
 *   <dir>/..2026_12_07_15_04_05.3489234 /podname, /user/labels
 *   <dir>/..data    -> ..2026_12_07_15_04_05.3489234
 *   <dir>/podname   -> ..data/podname
 *   <dir>/user      -> ..data/user
 *
 * An update writes a whole new timestamped directory, points `..data_tmp` at it and renames that over
 * `..data` (rename(2) is atomic), then removes the user-visible names the payload no longer has and the
 * old directory. A payload that matches what is on disk writes nothing.
 */

/** One file of a volume: its bytes and permission bits. */
export interface FileProjection {
  data: Uint8Array;
  mode: number;
  /** The file's owner (a projected token of a pod whose containers all run as this uid). */
  fsUser?: number;
}

export const DATA_DIR = "..data";
const NEW_DATA_DIR = "..data_tmp";
const MAX_PATH = 4096;
const MAX_NAME = 255;

/** A payload path the writer refuses (upstream's validatePath), with upstream's message. */
export class PayloadPathError extends Error {}

/** Upstream's validatePath: relative, not empty, no `..` element, not starting with `..`, bounded lengths. */
export function validatePayloadPath(path: string): void {
  if (path === "") throw new PayloadPathError(`invalid path: must not be empty: ""`);
  if (path.startsWith("/")) throw new PayloadPathError(`invalid path: must be relative path: ${path}`);
  if (path.length > MAX_PATH) throw new PayloadPathError(`invalid path: must be less than or equal to ${MAX_PATH} characters`);
  const items = path.split("/");
  for (const item of items) {
    if (item === "..") throw new PayloadPathError(`invalid path: must not contain '..': ${path}`);
    if (item.length > MAX_NAME) throw new PayloadPathError(`invalid path: filenames must be less than or equal to ${MAX_NAME} characters`);
  }
  if (items[0]!.startsWith("..") && items[0]!.length > 2) throw new PayloadPathError(`invalid path: must not start with '..': ${path}`);
}

/** Go's time.Format("..2006_01_02_15_04_05.") in UTC. */
function timestampPrefix(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, "0");
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

/** os.MkdirTemp: the prefix plus random decimal digits, retried on a clash; 0755 whatever the umask. */
function newTimestampDir(targetDir: string, now: number): string {
  for (;;) {
    const name = `${timestampPrefix(now)}${Math.floor(Math.random() * 2 ** 32)}`;
    try {
      mkdirSync(join(targetDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    chmodSync(join(targetDir, name), 0o755);
    return name;
  }
}

/** Every path under `dir`, relative to it (directories too), as filepath.Walk lists them. */
function walk(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? [rel, ...walk(join(dir, e.name), rel)] : [rel];
  });
}

/** The paths of the old version the payload no longer has (upstream's pathsToRemove). */
function pathsToRemove(payload: Map<string, FileProjection>, oldDir: string): string[] {
  const keep = new Set<string>();
  for (const path of payload.keys()) {
    for (let p = path; p !== "." && p !== ""; p = posix.dirname(p)) keep.add(p);
  }
  return walk(oldDir).filter((p) => !keep.has(p));
}

/** Whether a file's content differs from what the old version holds (upstream's shouldWriteFile). */
function changed(file: string, want: FileProjection): boolean {
  try {
    return !Buffer.from(want.data).equals(readFileSync(file));
  } catch {
    return true;
  }
}

export interface WriteOptions {
  /** When the timestamped directory is named (the injected clock's now). */
  now: number;
  /** Runs on the new timestamped directory before it becomes visible (upstream: the fsGroup ownership). */
  setPerms?: (tsDir: string) => void;
}

/**
 * Writes `payload` (relative path → file) into `targetDir` atomically, as described above. Returns whether
 * anything was written; throws PayloadPathError for a bad path before touching the disk.
 */
export function writeAtomically(targetDir: string, payload: Map<string, FileProjection>, opts: WriteOptions): boolean {
  const clean = new Map<string, FileProjection>();
  for (const [path, file] of payload) {
    validatePayloadPath(path);
    clean.set(posix.normalize(path), file);
  }
  mkdirSync(targetDir, { recursive: true });
  const dataDir = join(targetDir, DATA_DIR);
  let oldTs: string | undefined;
  try {
    oldTs = readlinkSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const stale = oldTs ? pathsToRemove(clean, join(targetDir, oldTs)) : [];
  if (oldTs && stale.length === 0 && ![...clean].some(([p, f]) => changed(join(targetDir, oldTs, p), f))) return false;

  const ts = newTimestampDir(targetDir, opts.now);
  const tsDir = join(targetDir, ts);
  try {
    for (const [path, file] of clean) {
      const full = join(tsDir, path);
      mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
      writeFileSync(full, file.data, { mode: file.mode });
      // The umask trimmed the mode open(2) used: set it as asked.
      chmodSync(full, file.mode);
      if (file.fsUser !== undefined) chownTo(full, file.fsUser);
    }
    opts.setPerms?.(tsDir);
    for (const path of clean.keys()) {
      const top = path.split("/")[0]!;
      const visible = join(targetDir, top);
      if (isSymlink(visible)) continue;
      // A plain file or directory there (written before this writer) gives way to the link.
      rmSync(visible, { recursive: true, force: true });
      symlinkSync(join(DATA_DIR, top), visible);
    }
    const tmp = join(targetDir, NEW_DATA_DIR);
    rmSync(tmp, { force: true });
    symlinkSync(ts, tmp);
    renameSync(tmp, dataDir);
  } catch (err) {
    rmSync(tsDir, { recursive: true, force: true });
    throw err;
  }
  // Only top-level names are user-visible symlinks; deeper paths went with the old directory.
  for (const p of stale) if (!p.includes("/")) rmSync(join(targetDir, p), { force: true });
  if (oldTs) rmSync(join(targetDir, oldTs), { recursive: true, force: true });
  return true;
}

/** Gives the file to `uid`; an agent that isn't root can't, and leaves it its own. */
function chownTo(path: string, uid: number): void {
  try {
    chownSync(path, uid, -1);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
