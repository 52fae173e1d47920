import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { Mount } from "../runtime/runtime.js";

/** A volume that cannot be set up yet: the pod stays ContainerCreating with a FailedMount event. */
export class MountError extends Error {}

export interface VolumeSources {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  /** Where a claim's bound volume lives on this host. */
  claimPath?(claim: string): string | undefined;
}

/**
 * Sets up the pod's volumes as directories under `podDir` (emptyDir; configMap and secret files) or on
 * the host (hostPath; a claim's PersistentVolume), returning where each volume lives.
 */
export function setUpVolumes(pod: Pod, podDir: string, sources: VolumeSources): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    const prefix = `MountVolume.SetUp failed for volume "${v.name}" : `;
    if (v.emptyDir) {
      const dir = join(podDir, "volumes", "empty-dir", v.name);
      mkdirSync(dir, { recursive: true });
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
    } else if (v.configMap || v.secret) {
      const isSecret = v.secret !== undefined;
      const name = (isSecret ? v.secret?.secretName : v.configMap?.name) ?? "";
      const data = isSecret ? sources.secret(name) : sources.configMap(name);
      const optional = (isSecret ? v.secret?.optional : v.configMap?.optional) ?? false;
      if (!data && !optional) throw new MountError(`${prefix}${isSecret ? "secret" : "configmap"} "${name}" not found`);
      const dir = join(podDir, "volumes", isSecret ? "secret" : "configmap", v.name);
      mkdirSync(dir, { recursive: true });
      const items = (isSecret ? v.secret?.items : v.configMap?.items) ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (data?.[item.key] === undefined) continue;
        const file = join(dir, item.path);
        mkdirSync(join(file, ".."), { recursive: true });
        writeFileSync(file, data[item.key] as string);
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

/** The container's mounts: each volumeMount at its path, with subPath inside the volume. */
export function containerMounts(container: Container, volumes: Map<string, string>): Mount[] {
  return (container.volumeMounts ?? []).flatMap((m) => {
    const base = volumes.get(m.name);
    if (base === undefined) return [];
    const hostPath = m.subPath ? join(base, m.subPath) : base;
    if (m.subPath && !existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    return [{ hostPath, containerPath: m.mountPath, readOnly: m.readOnly ?? false }];
  });
}
