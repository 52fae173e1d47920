import { chmodSync, existsSync, mkdirSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Pod, Volume } from "kubernetes-types/core/v1.js";
import { DATA_DIR, PayloadPathError, writeAtomically, type FileProjection } from "./atomic-writer.js";
import { DownwardApiError, downwardApiPayload } from "./downward-api.js";
import { mountMemoryVolume } from "../memory-volume.js";
import { setVolumeOwnership } from "./ownership.js";
import { configMapOrSecretPayload, DEFAULT_MODE, PayloadError, projectedPayload, type VolumeSources } from "./payload.js";

/** A volume that cannot be set up yet: the pod stays ContainerCreating with a FailedMount event. */
export class MountError extends Error {}

/** Where each atomically written kind of volume lives under the pod's `volumes` directory. */
const ATOMIC_DIRS = { configMap: "configmap", secret: "secret", downwardAPI: "downward-api", projected: "projected" } as const;

/** The atomically written kind of a volume (configMap, secret, downwardAPI, projected), if it is one. */
function atomicKind(v: Volume): keyof typeof ATOMIC_DIRS | undefined {
  return (Object.keys(ATOMIC_DIRS) as Array<keyof typeof ATOMIC_DIRS>).find((k) => v[k] !== undefined);
}

/** The files an atomically written volume holds now. Throws PayloadError/DownwardApiError with upstream's message. */
function atomicPayload(pod: Pod, v: Volume, sources: VolumeSources): Map<string, FileProjection> {
  if (v.configMap) return configMapOrSecretPayload("configmap", v.configMap.name ?? "", sources, v.configMap);
  if (v.secret) return configMapOrSecretPayload("secret", v.secret.secretName ?? "", sources, v.secret);
  if (v.downwardAPI) return downwardApiPayload(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, sources.node);
  return projectedPayload(pod, v.projected!, sources);
}

/** Writes an atomically written volume (a no-op when nothing changed); the fsGroup owns what it writes. */
function writeAtomicVolume(pod: Pod, v: Volume, dir: string, sources: VolumeSources, now: number): void {
  const payload = atomicPayload(pod, v, sources);
  mkdirSync(dir, { recursive: true });
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  // Upstream's setPerms: the whole volume, since the first write makes files outside the timestamped directory.
  writeAtomically(dir, payload, { now, setPerms: () => setVolumeOwnership(dir, fsGroup, true) });
}

function asMountError(v: Volume, err: unknown): unknown {
  const known = err instanceof PayloadError || err instanceof DownwardApiError || err instanceof PayloadPathError;
  return known ? new MountError(`MountVolume.SetUp failed for volume "${v.name}" : ${err.message}`) : err;
}

/**
 * Sets up the pod's volumes as directories under `podDir` (emptyDir; configMap, secret, downwardAPI and
 * projected files through the atomic writer) or on the host (hostPath; a claim's PersistentVolume),
 * returning where each volume lives. `now` names the atomic writer's timestamped directories.
 */
export function setUpVolumes(pod: Pod, podDir: string, sources: VolumeSources, now: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    const prefix = `MountVolume.SetUp failed for volume "${v.name}" : `;
    const atomic = atomicKind(v);
    if (v.emptyDir) {
      const dir = join(podDir, "volumes", "empty-dir", v.name);
      const fresh = !existsSync(dir);
      mkdirSync(dir, { recursive: true });
      if (v.emptyDir.medium === "Memory") mountMemoryVolume(dir, v.emptyDir.sizeLimit);
      // Once, when the volume is made (emptyDir needs no remount): later container starts keep the files'
      // modes. World-writable, as upstream's emptyDir (containers of any user share it), then the fsGroup's.
      if (fresh) {
        chmodSync(dir, 0o777);
        setVolumeOwnership(dir, pod.spec?.securityContext?.fsGroup, false);
      }
      out.set(v.name, dir);
    } else if (v.hostPath) {
      const { path, type = "" } = v.hostPath;
      if (type === "DirectoryOrCreate") mkdirSync(path, { recursive: true });
      else if (type === "FileOrCreate" && !existsSync(path)) writeFileSync(path, "");
      else if (type === "Directory" && !(existsSync(path) && statSync(path).isDirectory())) throw new MountError(`${prefix}hostPath type check failed: ${path} is not a directory`);
      else if (type === "File" && !(existsSync(path) && statSync(path).isFile())) throw new MountError(`${prefix}hostPath type check failed: ${path} is not a file`);
      out.set(v.name, path);
    } else if (v.persistentVolumeClaim) {
      const claim = v.persistentVolumeClaim.claimName;
      const path = sources.claimPath?.(claim);
      if (!path) throw new MountError(`${prefix}persistentvolumeclaim "${claim}" is not bound to a volume this node can mount`);
      mkdirSync(path, { recursive: true });
      out.set(v.name, path);
    } else if (atomic) {
      const dir = join(podDir, "volumes", ATOMIC_DIRS[atomic], v.name);
      try {
        writeAtomicVolume(pod, v, dir, sources, now);
      } catch (err) {
        throw asMountError(v, err);
      }
      out.set(v.name, dir);
    } else {
      // Volume kinds the process runtime cannot provide still get a directory, so the pod can start.
      const dir = join(podDir, "volumes", "other", v.name);
      mkdirSync(dir, { recursive: true });
      out.set(v.name, dir);
    }
  }
  return out;
}

/**
 * The kubelet's remount of a running pod's atomically written volumes: each one already set up is
 * rewritten from the objects and the pod as they are now (nothing is written when nothing changed). A
 * volume that can't be made now keeps its files, as upstream's does; the failures are returned.
 */
export function refreshVolumes(pod: Pod, podDir: string, sources: VolumeSources, now: number): MountError[] {
  const failures: MountError[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const atomic = atomicKind(v);
    if (!atomic) continue;
    const dir = join(podDir, "volumes", ATOMIC_DIRS[atomic], v.name);
    if (!isSetUp(dir)) continue;
    try {
      writeAtomicVolume(pod, v, dir, sources, now);
    } catch (err) {
      const e = asMountError(v, err);
      if (!(e instanceof MountError)) throw e;
      failures.push(e);
    }
  }
  return failures;
}

function isSetUp(dir: string): boolean {
  try {
    readlinkSync(join(dir, DATA_DIR));
    return true;
  } catch {
    return false;
  }
}
